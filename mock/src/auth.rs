//! `X-Auth-Token` authentication and project scoping. Tokens never appear in answers or logs.

use crate::config::TokenGrant;
use crate::errors::ApiError;
use axum::http::HeaderMap;
use std::collections::HashMap;

pub const TOKEN_HEADER: &str = "x-auth-token";

/// The configured tokens.
pub struct Tokens {
    grants: HashMap<String, TokenGrant>,
}

impl Tokens {
    pub fn new(grants: &[TokenGrant]) -> Tokens {
        Tokens { grants: grants.iter().map(|g| (g.token.clone(), g.clone())).collect() }
    }

    /// The grant of the request's token; 401 when it is missing or unknown.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<&TokenGrant, ApiError> {
        let Some(value) = headers.get(TOKEN_HEADER) else {
            return Err(ApiError::gateway(401, "the X-Auth-Token header is missing"));
        };
        value
            .to_str()
            .ok()
            .and_then(|token| self.grants.get(token))
            .ok_or_else(|| ApiError::gateway(401, "the X-Auth-Token is not valid"))
    }
}

/// 403 unless the token's project is the project of the path.
pub fn authorize(grant: &TokenGrant, path_project: &str) -> Result<(), ApiError> {
    if grant.project_id == path_project {
        Ok(())
    } else {
        Err(ApiError::gateway(403, "the token is scoped to another project than the one in the path"))
    }
}

/// 403 when a token that is not an admin's asks for `all_tenants=true`.
pub fn allow_all_tenants(grant: &TokenGrant, requested: bool) -> Result<bool, ApiError> {
    if requested && !grant.admin {
        Err(ApiError::gateway(403, "all_tenants=true needs an administrator token"))
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
        let tokens = Tokens::new(std::slice::from_ref(&grant));
        let mut headers = HeaderMap::new();
        assert_eq!(tokens.authenticate(&headers).unwrap_err().status.as_u16(), 401);
        headers.insert(TOKEN_HEADER, "x".parse().unwrap());
        assert_eq!(tokens.authenticate(&headers).unwrap_err().status.as_u16(), 401);
        headers.insert(TOKEN_HEADER, "t".parse().unwrap());
        assert_eq!(tokens.authenticate(&headers).unwrap(), &grant);
        assert!(authorize(&grant, "p").is_ok());
        assert_eq!(authorize(&grant, "q").unwrap_err().status.as_u16(), 403);
        assert_eq!(allow_all_tenants(&grant, true).unwrap_err().status.as_u16(), 403);
        assert_eq!(allow_all_tenants(&grant, false), Ok(false));
    }
}
