//! Authentication and project scoping: an `X-Auth-Token`, or an AK/SK signature
//! (SDK-HMAC-SHA256, checked with `csbs_auth`'s verifier). Tokens and secret keys never
//! appear in answers or logs.

use crate::config::{KeyGrant, TokenGrant};
use crate::errors::ApiError;
use axum::http::{header, HeaderMap, HeaderName};
use csbs_auth::signer;
use csbs_types::codes::gateway::{APIGW_0301, APIGW_0302};

pub const TOKEN_HEADER: &str = "x-auth-token";

/// [`TOKEN_HEADER`] as a header name (a lookup by name skips parsing the text every request).
static TOKEN_HEADER_NAME: HeaderName = HeaderName::from_static(TOKEN_HEADER);
/// The project header the vendor's SDKs send with AK/SK (and sign).
pub const PROJECT_HEADER: &str = "x-project-id";

/// Who a request authenticated as: the project its credential is scoped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Principal<'a> {
    pub project_id: &'a str,
    pub admin: bool,
    /// `token` or `access key`, for messages.
    pub by: &'static str,
}

impl<'a> From<&'a TokenGrant> for Principal<'a> {
    fn from(grant: &'a TokenGrant) -> Principal<'a> {
        Principal { project_id: &grant.project_id, admin: grant.admin, by: "token" }
    }
}

/// A request as the signature verifier needs it: method, raw path and query, headers, body.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// The configured tokens and AK/SK pairs.
pub struct Grants {
    tokens: foldhash::HashMap<String, TokenGrant>,
    keys: foldhash::HashMap<String, KeyGrant>,
}

/// True when the request carries an SDK-HMAC-SHA256 `Authorization` header: it is
/// authenticated by its signature, for which the body must be read first.
pub fn is_signed(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with(signer::ALGORITHM))
}

impl Grants {
    pub fn new(tokens: &[TokenGrant], keys: &[KeyGrant]) -> Grants {
        Grants {
            tokens: tokens.iter().map(|g| (g.token.clone(), g.clone())).collect(),
            keys: keys.iter().map(|k| (k.access_key.clone(), k.clone())).collect(),
        }
    }

    /// The grant of the request's token; 401 when it is missing or unknown.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Principal<'_>, ApiError> {
        let Some(value) = headers.get(&TOKEN_HEADER_NAME) else {
            return Err(ApiError::gateway(APIGW_0301, "the X-Auth-Token header is missing"));
        };
        value
            .to_str()
            .ok()
            .and_then(|token| self.tokens.get(token))
            .map(Principal::from)
            .ok_or_else(|| ApiError::gateway(APIGW_0301, "the X-Auth-Token is not valid"))
    }

    /// What can be refused of a signed request before its body is read (the signature covers
    /// the body, so the rest waits for it): a garbled `Authorization` header, or an access key
    /// that is not configured (every key, when none is). 401 then, as [`Grants::verify`]
    /// would answer after reading the body; a client without a valid key cannot make the mock
    /// hold its body in memory.
    pub fn precheck_signed(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let refused = |e: signer::VerifyError| {
            ApiError::gateway(
                APIGW_0301,
                &format!("the AK/SK signature is refused ({}): {e}", e.code()),
            )
        };
        let parsed = value.and_then(signer::parse_authorization).ok_or_else(|| {
            refused(signer::VerifyError::MalformedAuthorization(
                "expected Access=…, SignedHeaders=…, Signature=…",
            ))
        })?;
        if self.keys.contains_key(&parsed.access_key) {
            Ok(())
        } else {
            let key = crate::errors::quoted(&parsed.access_key).into_owned();
            Err(refused(signer::VerifyError::UnknownAccessKey(key)))
        }
    }

    /// The grant of the access key that signed the request, at the server time `now`. 401
    /// when the signature does not verify: unknown access key, wrong secret key, an
    /// `X-Sdk-Date` more than 15 minutes off, or a method, path, query, signed header or body
    /// other than what was signed; the message says which, never with a secret. 403 when a
    /// signed `X-Project-Id` names another project than the key's.
    pub fn verify(
        &self,
        request: &SignedRequest<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Principal<'_>, ApiError> {
        let headers = request.headers;
        let received = signer::Received {
            method: request.method,
            path: request.path,
            query: request.query,
            header: |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned),
            body: request.body,
        };
        let secret_of = |ak: &str| self.keys.get(ak).map(|k| k.secret_key.as_bytes());
        let access_key =
            signer::verify(&received, secret_of, now, signer::MAX_SKEW).map_err(|e| {
                ApiError::gateway(
                    APIGW_0301,
                    &format!("the AK/SK signature is refused ({}): {e}", e.code()),
                )
            })?;
        let grant = self
            .keys
            .get(&access_key)
            .ok_or_else(|| ApiError::gateway(APIGW_0301, "the access key is unknown"))?;
        if let Some(project) = headers.get(PROJECT_HEADER) {
            if project.as_bytes() != grant.project_id.as_bytes() {
                return Err(ApiError::gateway(
                    APIGW_0302,
                    "X-Project-Id names another project than the one the access key is bound to",
                ));
            }
        }
        Ok(Principal { project_id: &grant.project_id, admin: grant.admin, by: "access key" })
    }
}

/// 403 unless the credential's project is the project of the path.
pub fn authorize(principal: &Principal<'_>, path_project: &str) -> Result<(), ApiError> {
    if principal.project_id == path_project {
        Ok(())
    } else {
        let message =
            format!("the {} is scoped to another project than the one in the path", principal.by);
        Err(ApiError::gateway(APIGW_0302, &message))
    }
}

/// 403 when a credential that is not an admin's asks for `all_tenants=true`.
pub fn allow_all_tenants(principal: &Principal<'_>, requested: bool) -> Result<bool, ApiError> {
    if requested && !principal.admin {
        Err(ApiError::gateway(
            APIGW_0302,
            &format!("all_tenants=true needs an administrator {}", principal.by),
        ))
    } else {
        Ok(requested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_projects() {
        let grant = TokenGrant { token: "t".into(), project_id: "p".into(), admin: false };
        let grants = Grants::new(std::slice::from_ref(&grant), &[]);
        let mut headers = HeaderMap::new();
        assert_eq!(grants.authenticate(&headers).unwrap_err().status.as_u16(), 401);
        headers.insert(TOKEN_HEADER, "x".parse().unwrap());
        assert_eq!(grants.authenticate(&headers).unwrap_err().status.as_u16(), 401);
        headers.insert(TOKEN_HEADER, "t".parse().unwrap());
        let principal = grants.authenticate(&headers).unwrap();
        assert_eq!(principal, Principal::from(&grant));
        assert!(authorize(&principal, "p").is_ok());
        assert_eq!(authorize(&principal, "q").unwrap_err().status.as_u16(), 403);
        assert_eq!(allow_all_tenants(&principal, true).unwrap_err().status.as_u16(), 403);
        assert_eq!(allow_all_tenants(&principal, false), Ok(false));
    }

    #[test]
    fn only_sdk_signatures_take_the_signature_path() {
        let mut headers = HeaderMap::new();
        assert!(!is_signed(&headers));
        headers.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert!(!is_signed(&headers));
        headers.insert(
            header::AUTHORIZATION,
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=00".parse().unwrap(),
        );
        assert!(is_signed(&headers));
    }
}
