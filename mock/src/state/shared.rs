//! Serde for the model's shared parts (`Arc`), written out as their contents: the state's
//! JSON (export, state file) holds values, and reading it makes fresh `Arc`s, which
//! `Project::restore` shares again where the live state shared them. (serde's own `rc`
//! feature would do the same, but turning it on rebuilds serde for every crate.)

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;

pub fn serialize<T: Serialize, S: Serializer>(value: &Arc<T>, to: S) -> Result<S::Ok, S::Error> {
    T::serialize(value, to)
}

pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    from: D,
) -> Result<Arc<T>, D::Error> {
    T::deserialize(from).map(Arc::new)
}

/// The same for `Arc<str>`.
pub mod text {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Arc<str>, to: S) -> Result<S::Ok, S::Error> {
        to.serialize_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(from).map(Arc::from)
    }
}
