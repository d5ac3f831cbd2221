// backfill-bench: measurements for `make bench` (Tests/Bench/run_bench.py drives it).
//   backfill-bench crypto [--seconds S]           one core: MB/s and operations/s per primitive
//   backfill-bench dolt --host H --port P          every ticker and dataset fetched over one connection
//   backfill-bench parquet --host H --port P       the same rows grouped by month, Parquet-encoded in memory
// Results are JSON lines on stdout: {"name":..., "unit":..., "value":..., ...}. Not part of the product.
import Backfill
import ByteCoding
import CryptoPrimitives
import MySQLWire
import Parquet
import Transport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Clocks: thread CPU time (what one core spent, undistorted by other load) and wall time.
enum Clock {
    static func read(_ id: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(id, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    static var threadCPU: Double { read(CLOCK_THREAD_CPUTIME_ID) }
    static var processCPU: Double { read(CLOCK_PROCESS_CPUTIME_ID) }
    static var wall: Double { read(CLOCK_MONOTONIC) }
}

/// One JSON line; names and units are ASCII identifiers chosen here, so no escaping is needed.
func emit(_ name: String, unit: String, value: Double, extra: [(String, Double)] = []) {
    var line = "{\"name\": \"\(name)\", \"unit\": \"\(unit)\", \"value\": \(value)"
    for (k, v) in extra { line += ", \"\(k)\": \(v)" }
    print(line + "}")
}

/// Runs `body` (one operation over `bytesPerOp` bytes) repeatedly for about `seconds` of thread
/// CPU time; reports operations (or MB) per CPU second.
func measure(_ name: String, seconds: Double, bytesPerOp: Int = 0, _ body: () throws -> Void) rethrows {
    try body()  // warm-up
    var ops = 0
    let start = Clock.threadCPU, wallStart = Clock.wall
    var elapsed = 0.0
    repeat {
        for _ in 0..<8 { try body() }
        ops += 8
        elapsed = Clock.threadCPU - start
    } while elapsed < seconds
    let wall = Clock.wall - wallStart
    if bytesPerOp > 0 {
        emit(name, unit: "MB/s", value: Double(ops * bytesPerOp) / elapsed / 1e6, extra: [("ops", Double(ops)), ("cpu_s", elapsed), ("wall_s", wall)])
    } else {
        emit(name, unit: "ops/s", value: Double(ops) / elapsed, extra: [("ops", Double(ops)), ("cpu_s", elapsed), ("wall_s", wall)])
    }
}

func fail(_ message: String) -> Never {
    let bytes = Array("backfill-bench: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

func option(_ args: [String], _ name: String, default value: String? = nil) -> String {
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    guard let value else { fail("missing \(name)") }
    return value
}

// MARK: - Crypto

func cryptoBench(seconds: Double) throws {
    let record = [UInt8](repeating: 0xA5, count: 16 * 1024)
    let key32 = [UInt8](repeating: 7, count: 32), key16 = [UInt8](repeating: 7, count: 16)
    let nonce = [UInt8](repeating: 1, count: 12)
    var sink: UInt8 = 0
    measure("sha256", seconds: seconds, bytesPerOp: record.count) { sink ^= SHA256.hash(record)[0] }
    measure("hmac_sha256", seconds: seconds, bytesPerOp: record.count) { sink ^= HMAC<SHA256>.authenticate(key: key32, message: record)[0] }
    let chacha = try ChaCha20Poly1305(key: key32)
    try measure("chacha20_poly1305_seal", seconds: seconds, bytesPerOp: record.count) { sink ^= try chacha.seal(nonce: nonce, plaintext: record)[0] }
    let gcm = try AESGCM(key: key16)
    try measure("aes128_gcm_seal", seconds: seconds, bytesPerOp: record.count) { sink ^= try gcm.seal(nonce: nonce, plaintext: record)[0] }
    try publicKeyBench(seconds: seconds)
    if sink == 0x5A { print("") }  // keeps the results alive
}

// MARK: - Dolt and Parquet

func connect(_ args: [String]) -> DoltSource {
    let host = option(args, "--host", default: "127.0.0.1")
    guard let port = Int(option(args, "--port")) else { fail("--port is not a number") }
    let user = option(args, "--user", default: "root"), password = option(args, "--password", default: "")
    return DoltSource(database: "market_data", describeServer: "\(host):\(port)") {
        try MySQLConnection(stream: try TCPStream.connect(host: host, port: port, connectTimeout: 10, ioTimeout: 120),
                            user: user, password: password, database: "market_data")
    }
}

/// Every ticker of both tables, fetched as the runner fetches them (one query per ticker and
/// dataset, values mapped to Parquet values). Calls `each` with every pair's rows.
func fetchAll(_ source: DoltSource, _ each: (Dataset, SourceRows) throws -> Void) throws -> Int {
    var rows = 0
    for dataset in Dataset.allCases {
        for ticker in try source.distinctTickers(dataset).sorted() {
            let fetched = try source.fetch(dataset, ticker: ticker, range: DateRange(start: nil, end: nil))
            rows += fetched.rows.count
            try each(dataset, fetched)
        }
    }
    return rows
}

func doltBench(_ args: [String]) throws {
    let source = connect(args)
    try source.connect()
    let cpu0 = Clock.processCPU, wall0 = Clock.wall
    let rows = try fetchAll(source) { _, _ in }
    let cpu = Clock.processCPU - cpu0, wall = Clock.wall - wall0
    emit("dolt_fetch", unit: "rows", value: Double(rows), extra: [("cpu_s", cpu), ("wall_s", wall)])
}

func parquetBench(_ args: [String]) throws {
    let source = connect(args)
    var months: [(schema: [ParquetColumnSchema], rows: [[ParquetValue]])] = []
    _ = try fetchAll(source) { _, fetched in
        var byMonth: [Month: [[ParquetValue]]] = [:]
        for row in fetched.rows {
            guard case .int32(let days) = row[fetched.dateColumn], let d = CivilDate(daysSinceEpoch: Int(days)) else { fail("a row without a date") }
            byMonth[Month(year: d.year, month: d.month), default: []].append(row)
        }
        for m in byMonth.keys.sorted() { months.append((fetched.schema, byMonth[m] ?? [])) }
    }
    var bytes = 0, rows = 0
    let cpu0 = Clock.threadCPU, wall0 = Clock.wall
    for month in months {
        bytes += try ParquetWriter.write(schema: month.schema, rows: month.rows, createdBy: "backfill-bench").count
        rows += month.rows.count
    }
    let cpu = Clock.threadCPU - cpu0, wall = Clock.wall - wall0
    emit("parquet_encode", unit: "rows", value: Double(rows), extra: [("files", Double(months.count)), ("bytes", Double(bytes)), ("cpu_s", cpu), ("wall_s", wall)])
}

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case "crypto": try cryptoBench(seconds: Double(option(args, "--seconds", default: "1")) ?? 1)
    case "dolt": try doltBench(args)
    case "parquet": try parquetBench(args)
    default: fail("usage: backfill-bench crypto [--seconds S] | dolt --port P | parquet --port P")
    }
} catch {
    fail("\(error)")
}
