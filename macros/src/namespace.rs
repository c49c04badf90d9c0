//! The default namespace of a crate: `[package.metadata.vitalsign] namespace = "..."` in its
//! Cargo.toml, else the crate's name in snake_case.

use std::path::Path;
use std::sync::OnceLock;

/// Where a default namespace came from, for error messages.
pub(crate) struct DefaultNamespace {
    pub value: String,
    pub source: String,
}

/// The crate's default namespace, read once per compilation.
pub(crate) fn default_namespace() -> &'static DefaultNamespace {
    static CACHE: OnceLock<DefaultNamespace> = OnceLock::new();
    CACHE.get_or_init(|| {
        let manifest = std::env::var("CARGO_MANIFEST_DIR")
            .ok()
            .map(|d| Path::new(&d).join("Cargo.toml"));
        if let Some(value) = manifest
            .as_deref()
            .and_then(|m| std::fs::read_to_string(m).ok())
            .and_then(|t| from_manifest(&t))
        {
            return DefaultNamespace {
                value,
                source: "[package.metadata.vitalsign] in Cargo.toml".into(),
            };
        }
        let crate_name = std::env::var("CARGO_CRATE_NAME")
            .or_else(|_| std::env::var("CARGO_PKG_NAME"))
            .unwrap_or_default();
        DefaultNamespace {
            value: vitalsign_naming::sanitize_namespace(&crate_name),
            source: format!("the crate name `{crate_name}`"),
        }
    })
}

/// Reads `namespace = "..."` from the `[package.metadata.vitalsign]` table. Only that one
/// simple form is recognised (a basic string on one line), which is all the key needs.
fn from_manifest(text: &str) -> Option<String> {
    let mut in_table = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            in_table = line.trim_start_matches('[').trim_end_matches(']').trim()
                == "package.metadata.vitalsign";
            continue;
        }
        if let Some((_, value)) = line
            .split_once('=')
            .filter(|(k, _)| in_table && k.trim() == "namespace")
        {
            let value = value.trim();
            return value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::from_manifest;

    #[test]
    fn reads_the_metadata_table_only() {
        let manifest = r#"
[package]
name = "x"
namespace = "wrong"

[package.metadata.vitalsign]
# the namespace of every metric
namespace = "rstmdb"  # trailing comment

[dependencies]
"#;
        assert_eq!(from_manifest(manifest).as_deref(), Some("rstmdb"));
        assert_eq!(from_manifest("[package]\nname = \"x\"\n"), None);
    }
}
