//! The workspace as `cargo metadata` describes it: its root, its target directory and its
//! contract crates (workspace packages whose lib target is a `cdylib`).
//!
//! Shared by the subcommands (`wasm` now; `interfaces` can reuse [`Workspace::load`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A contract crate of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Package name, e.g. `mock-erc20`.
    pub package: String,
    /// Library target name, e.g. `mock_erc20` (the `.wasm` file cargo writes is named after it).
    pub lib_name: String,
    /// Path of the package's Cargo.toml.
    pub manifest_path: PathBuf,
    /// The package's features (e.g. `export-abi`).
    pub features: Vec<String>,
}

impl Contract {
    /// Package name with `-` replaced by `_`, e.g. `mock_erc20`: the stable artifact name.
    pub fn snake_name(&self) -> String {
        self.package.replace('-', "_")
    }

    /// Whether `name` designates this contract (package name or its underscore form).
    pub fn matches(&self, name: &str) -> bool {
        self.package == name || self.snake_name() == name.replace('-', "_")
    }
}

/// What the subcommands need to know about the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    /// Contract crates, sorted by package name.
    pub contracts: Vec<Contract>,
}

/// The cargo executable: the one running us under `cargo xtask`, else `cargo` from PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// The contracts' workspace manifest: the repository root's Cargo.toml, one level above this
/// crate (xtask is its own workspace, excluded from the root one).
pub fn root_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the repository")
        .join("Cargo.toml")
}

impl Workspace {
    /// Runs `cargo metadata --format-version 1 --no-deps` on the root workspace and reads it.
    pub fn load() -> Result<Workspace, String> {
        let manifest = root_manifest();
        let output = Command::new(cargo())
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--manifest-path",
            ])
            .arg(&manifest)
            .output()
            .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`cargo metadata --manifest-path {}` failed ({}):\n{}",
                manifest.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let metadata: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("cannot parse `cargo metadata` output: {e}"))?;
        Workspace::from_metadata(&metadata)
    }

    /// Reads the parts of `cargo metadata` output this tool uses.
    pub fn from_metadata(metadata: &Value) -> Result<Workspace, String> {
        let path = |key: &str| {
            metadata[key]
                .as_str()
                .map(PathBuf::from)
                .ok_or_else(|| format!("`cargo metadata` output has no `{key}`"))
        };
        let root = path("workspace_root")?;
        let target_dir = path("target_directory")?;
        let members: Vec<&str> = metadata["workspace_members"]
            .as_array()
            .map(|m| m.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let packages = metadata["packages"]
            .as_array()
            .ok_or("`cargo metadata` output has no `packages`")?;

        let mut contracts = Vec::new();
        for package in packages {
            let id = package["id"].as_str().unwrap_or_default();
            if !members.is_empty() && !members.contains(&id) {
                continue;
            }
            let Some(targets) = package["targets"].as_array() else {
                continue;
            };
            let lib = targets.iter().find(|t| {
                let has = |key: &str, what: &str| {
                    t[key]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(what)))
                };
                has("crate_types", "cdylib") || has("kind", "cdylib")
            });
            let Some(lib) = lib else { continue };
            let package_name = package["name"]
                .as_str()
                .ok_or("package without a name in `cargo metadata` output")?;
            let mut features: Vec<String> = package["features"]
                .as_object()
                .map(|f| f.keys().cloned().collect())
                .unwrap_or_default();
            features.sort();
            contracts.push(Contract {
                package: package_name.to_string(),
                lib_name: lib["name"]
                    .as_str()
                    .unwrap_or(package_name)
                    .replace('-', "_"),
                manifest_path: package["manifest_path"]
                    .as_str()
                    .map(PathBuf::from)
                    .unwrap_or_default(),
                features,
            });
        }
        contracts.sort_by(|a, b| a.package.cmp(&b.package));
        Ok(Workspace {
            root,
            target_dir,
            contracts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package(name: &str, crate_types: &[&str], member: bool) -> (Value, Option<String>) {
        let id = format!("path+file:///ws/{name}#0.1.0");
        let lib_name = name.replace('-', "_");
        (
            json!({
                "name": name,
                "id": id,
                "manifest_path": format!("/ws/{name}/Cargo.toml"),
                "features": { "export-abi": ["stylus-sdk/export-abi"], "default": [] },
                "targets": [
                    { "name": lib_name, "kind": crate_types, "crate_types": crate_types },
                    { "name": name, "kind": ["bin"], "crate_types": ["bin"] }
                ]
            }),
            member.then_some(id),
        )
    }

    #[test]
    fn finds_cdylib_members_only() {
        let all = [
            package("mock-oracle", &["lib", "cdylib"], true),
            package("gavel-math", &["lib"], true),
            package("mock-erc20", &["cdylib", "lib"], true),
            package("xtask", &["lib"], true),
            package("outsider", &["cdylib"], false),
        ];
        let metadata = json!({
            "packages": all.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
            "workspace_members": all.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
            "workspace_root": "/ws",
            "target_directory": "/ws/target",
        });
        let ws = Workspace::from_metadata(&metadata).unwrap();
        assert_eq!(ws.root, PathBuf::from("/ws"));
        assert_eq!(ws.target_dir, PathBuf::from("/ws/target"));
        let names: Vec<_> = ws.contracts.iter().map(|c| c.package.as_str()).collect();
        assert_eq!(names, ["mock-erc20", "mock-oracle"]);
        let erc20 = &ws.contracts[0];
        assert_eq!(erc20.lib_name, "mock_erc20");
        assert_eq!(erc20.snake_name(), "mock_erc20");
        assert_eq!(erc20.features, ["default", "export-abi"]);
        assert!(erc20.matches("mock-erc20") && erc20.matches("mock_erc20"));
        assert!(!erc20.matches("mock-oracle"));
    }

    #[test]
    fn no_contracts_is_not_an_error() {
        let metadata = json!({
            "packages": [], "workspace_members": [],
            "workspace_root": "/ws", "target_directory": "/ws/target",
        });
        assert!(Workspace::from_metadata(&metadata)
            .unwrap()
            .contracts
            .is_empty());
    }

    #[test]
    fn root_manifest_is_the_repository_root() {
        let manifest = root_manifest();
        assert!(manifest.ends_with("Cargo.toml"));
        assert!(manifest
            .parent()
            .unwrap()
            .join("xtask")
            .join("Cargo.toml")
            .exists());
    }

    #[test]
    fn missing_fields_are_errors() {
        assert!(Workspace::from_metadata(&json!({ "packages": [] })).is_err());
    }
}
