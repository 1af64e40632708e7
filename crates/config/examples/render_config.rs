//! Prints the effective configuration of a `prometheus.yml` (what `/api/v1/status/config`
//! shows), or the load error: `cargo run -p promlite-config --example render_config -- FILE`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: render_config <prometheus.yml>");
        std::process::exit(2);
    };
    match promlite_config::Config::load_file(&path) {
        Ok(cfg) => print!("{}", cfg.to_yaml()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
