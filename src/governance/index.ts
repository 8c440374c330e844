/** Who may do what: the authorization hook every management route passes through. */
export {
  AllowAllAuthorizer,
  claimedActor,
  type Action,
  type AuthorizationRequest,
  type Authorizer,
  type Principal,
} from './authorizer.js';
