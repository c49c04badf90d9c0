//! kvstore
