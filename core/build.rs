// `sqlx::migrate!` embeds the migrations at compile time, so a new or
// changed migration must rebuild this crate.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
