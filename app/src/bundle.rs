//! The WASM bundle each page loads. The server renders every page, but the
//! browser hydrates the public pages with one bundle (`pkg/`) and the admin
//! dashboard with another (`pkg/admin/`), so a visitor's first load carries
//! no admin code. Both directories hold the same file names.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use axum::http::request::Parts;
use leptos::prelude::*;
use leptos::WasmSplitManifest;

/// The directory, under the site's package directory, of the admin
/// dashboard's bundle (`site-pkg-dir` of the `kodo-admin` project in
/// Cargo.toml).
const ADMIN_BUNDLE_DIR: &str = "admin";

/// The loader of lazily loaded chunks that `cargo leptos build --split`
/// writes beside each bundle, under its unhashed name.
const SPLIT_LOADER: &str = "__wasm_split.______________________.js";

/// Returns the options of the bundle that hydrates the page being rendered:
/// the admin bundle's package directory for /admin pages.
pub fn options_for_page(mut options: LeptosOptions) -> LeptosOptions {
    if use_context::<Parts>().is_some_and(|parts| is_admin_path(parts.uri.path())) {
        options.site_pkg_dir = format!("{}/{ADMIN_BUNDLE_DIR}", options.site_pkg_dir).into();
    }
    options
}

/// Tells whether `path` is a page of the admin dashboard (the sign-in page
/// too).
pub fn is_admin_path(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// Provides the chunk list of the page's bundle, from which the server adds
/// preload links for the lazy routes a page renders.
///
/// `HydrationScripts` provides the list of whichever bundle the server
/// rendered first and keeps it, so this component comes after it and
/// replaces the list with the right bundle's.
#[component]
pub fn BundleChunks(options: LeptosOptions) -> impl IntoView {
    static MANIFESTS: OnceLock<std::sync::Mutex<HashMap<String, Option<WasmSplitManifest>>>> =
        OnceLock::new();
    let pkg_dir = options.site_pkg_dir.to_string();
    let manifest = MANIFESTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(pkg_dir.clone())
        .or_insert_with(|| read_manifest(&options.site_root, &pkg_dir))
        .clone();
    if let Some(manifest) = manifest {
        provide_context(manifest);
    }
}

/// Reads the chunk list that `cargo leptos build --split` wrote to
/// `site_root/pkg_dir`. A build without `--split` writes none.
fn read_manifest(site_root: &str, pkg_dir: &str) -> Option<WasmSplitManifest> {
    let path = Path::new(site_root)
        .join(pkg_dir)
        .join("__wasm_split_manifest.json");
    let text = std::fs::read_to_string(&path).ok()?;
    match serde_json::from_str(&text) {
        Ok(chunks) => Some(WasmSplitManifest(ArcStoredValue::new((
            format!("/{pkg_dir}"),
            chunks,
            SPLIT_LOADER.to_owned(),
        )))),
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "the chunk list of a WASM bundle does not parse; pages load its chunks on first use");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_admin_path;

    #[test]
    fn admin_paths_are_the_dashboard_and_below() {
        assert!(is_admin_path("/admin"));
        assert!(is_admin_path("/admin/"));
        assert!(is_admin_path("/admin/login"));
        assert!(is_admin_path("/admin/subscribers/7"));
        assert!(!is_admin_path("/"));
        assert!(!is_admin_path("/administrators"));
        assert!(!is_admin_path("/incidents/1"));
        assert!(!is_admin_path("/manage"));
    }
}
