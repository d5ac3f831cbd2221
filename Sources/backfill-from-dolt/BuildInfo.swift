/// Version information printed by `--version` and written into every Parquet footer.
enum BuildInfo {
    static let version = "0.1.0"
    /// The commit the binary was built from; `make static` stamps it, plain builds say "unknown".
    static let commit = "unknown"
    /// `created_by` as readers parse it: "<application> version <semver> (build <hash>)".
    static var createdBy: String { "backfill-from-dolt version \(version) (build \(commit))" }
}
