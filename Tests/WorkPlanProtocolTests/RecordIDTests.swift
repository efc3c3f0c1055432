import Testing
@testable import WorkPlanProtocol

@Suite("Record ids")
struct RecordIDTests {
    /// Natural ids are stored in every replica and store: they must never change. These
    /// values were made by the first (String-based) formatter and are held by existing plans.
    @Test func naturalIDsAreStable() {
        #expect(RecordID.area(named: "Military Mobility") == "4e036f40-0c33-8882-a491-45b950dd4053")
        #expect(RecordID.area(named: "Medical Cooperation") == "185732ad-d4b0-878d-96e5-f5d8692a1e17")
        #expect(RecordID.area(named: "military  MOBILITY") == RecordID.area(named: "Military Mobility"))
    }

    @Test func formatPlacesVersionVariantAndDashes() {
        #expect(RecordID.format(hi: 0, lo: 0, version: 4) == "00000000-0000-4000-8000-000000000000")
        #expect(RecordID.format(hi: .max, lo: .max, version: 8) == "ffffffff-ffff-8fff-bfff-ffffffffffff")
        #expect(RecordID.format(hi: 0x0123_4567_89ab_cdef, lo: 0xfedc_ba98_7654_3210, version: 4)
                == "01234567-89ab-4def-bedc-ba9876543210")
    }

    @Test func randomIDsAreVersion4AndParse() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = RecordID.random()
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            #expect(bytes[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
            #expect(RecordID.parse(id) == id)
            seen.insert(id)
        }
        #expect(seen.count == 1000)
    }

    @Test func parseLowercasesAndRefusesWhatIsNotAUUID() {
        let id = "0123abcd-4567-4def-89ab-cdef01234567"
        #expect(RecordID.parse(id.uppercased()) == id)
        #expect(RecordID.parse("0123ABcd-4567-4DEF-89ab-cdef01234567") == id)
        #expect(RecordID.parse(id + "0") == nil)
        #expect(RecordID.parse(String(id.dropLast())) == nil)
        #expect(RecordID.parse("0123abcd-4567-4def-89ab_cdef01234567") == nil)   // dash position
        #expect(RecordID.parse("0123abcd4-567-4def-89ab-cdef01234567") == nil)
        #expect(RecordID.parse("0123abcg-4567-4def-89ab-cdef01234567") == nil)   // not hex
        #expect(RecordID.parse("0123abcé-4567-4def-89ab-cdef0123456") == nil)     // 36 bytes, not ASCII
    }
}
