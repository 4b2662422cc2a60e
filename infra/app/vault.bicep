// Key Vault (RBAC authorization, no access policies) holding the callback HMAC secret. The app reads it
// through a Key Vault reference resolved with the user-assigned identity (Key Vault Secrets User).
param name string
param location string
param tags object
@secure()
@minLength(32)
param callbackSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'flotilla-callback-secret'
  properties: {
    value: callbackSecret
    contentType: 'HMAC key for flotilla callback tokens'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
// Pinned to this version: a re-provision that rotates the secret changes the app setting, so every
// instance restarts on the same key (an unversioned reference is re-read per instance, up to a day apart).
output callbackSecretUri string = secret.properties.secretUriWithVersion
