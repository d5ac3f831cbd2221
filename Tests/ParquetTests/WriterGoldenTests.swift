import ByteCoding
import Testing

@testable import Parquet

/// The golden files were written by the reference recipe (shared/parquet/minipq.py, research §9)
/// from the rows in the JSON next to them; a writer making the same choices reproduces them exactly.
@Suite("Writer reproduces the golden files")
struct WriterGoldenTests {
    @Test(arguments: ["prices_minipq", "fundamentals_minipq"])
    func writerOutputIsByteIdenticalToTheGoldenFile(name: String) throws {
        let doc = try Fixture.json("golden/\(name).json")
        let golden = try Fixture.bytes("golden/\(name).parquet")
        let schema = try ExpectedRows.schema(doc)
        let rows = try ExpectedRows.rows(doc, schema: schema)
        let createdBy = try #require(doc["created_by"]?.string)
        let written = try ParquetWriter.write(schema: schema, rows: rows, createdBy: createdBy)
        Fixture.dumpIfRequested("\(name)_swift.parquet", written)
        #expect(written.count == golden.count)
        if let i = zip(written, golden).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("first difference at byte \(i): wrote \(written[i]), golden \(golden[i])")
        }
        #expect(written == golden)
    }

    @Test(arguments: ["prices_minipq", "fundamentals_minipq"])
    func readerDecodesTheGoldenFileToItsRows(name: String) throws {
        let doc = try Fixture.json("golden/\(name).json")
        let table = try ParquetReader.read(try Fixture.bytes("golden/\(name).parquet"))
        let schema = try ExpectedRows.schema(doc)
        #expect(table.schema == schema)
        #expect(table.rows == (try ExpectedRows.rows(doc, schema: schema)))
        #expect(table.createdBy == doc["created_by"]?.string)
        #expect(table.keyValueMetadata.isEmpty)
    }

    @Test func writingTheSameInputTwiceGivesTheSameBytes() throws {
        let doc = try Fixture.json("golden/prices_minipq.json")
        let schema = try ExpectedRows.schema(doc)
        let rows = try ExpectedRows.rows(doc, schema: schema)
        let a = try ParquetWriter.write(schema: schema, rows: rows, createdBy: "backfill-from-dolt version 1.2.3 (build abc1234)")
        let b = try ParquetWriter.write(schema: schema, rows: rows, createdBy: "backfill-from-dolt version 1.2.3 (build abc1234)")
        #expect(a == b)
    }
}
