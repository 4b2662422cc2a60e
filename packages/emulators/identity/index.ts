export {
  type IdentityEndpoint,
  type IdentityEndpointOptions,
  type IssuedToken,
  SYSTEM_IDENTITY,
  startIdentityEndpoint,
} from './endpoint';
export {
  checkBearer,
  EMULATOR_TENANT_ID,
  type IdentityInfo,
  mintToken,
  resourceFromScope,
  type TokenCheck,
  type TokenClaims,
} from './token';
