/** The ACI rate-limit bound lives in the app (src/admission/quota-bound.ts): the quote and the bench share it. */
export * from '../src/admission/quota-bound';
