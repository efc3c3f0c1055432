import Testing
@testable import WorkPlanProtocol

@Suite("RevsText reads and sets one rev as JSONWriter writes them")
struct RevsTextTests {
    static let names = ["agenda", "area", "conference", "description", "due", "follows", "lead", "origin_conference",
                        "owner", "priority", "releasable", "status", "tags", "title", "z"]

    @Test func agreesWithDecodingAndEncodingTheWholeObject() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var revs: [String: Int64] = [:]
            for name in Self.names.shuffled(using: &rng).prefix(Int.random(in: 0...Self.names.count, using: &rng)) {
                revs[name] = Int64.random(in: -5...Int64.max / 2, using: &rng)
            }
            let text = JSONWriter.encode(revs: revs)
            let field = Self.names.randomElement(using: &rng)!
            let rev = Int64.random(in: 0...Int64.max, using: &rng)
            #expect(RevsText.rev(of: field, in: text) == .some(revs[field]), "\(field) in \(text)")
            var changed = revs
            changed[field] = rev
            #expect(RevsText.setting(field, to: rev, in: text) == JSONWriter.encode(revs: changed), "\(field)=\(rev) in \(text)")
            var raised = revs
            if rev > revs[field] ?? 0 { raised[field] = rev }
            #expect(RevsText.raising(field, to: rev, in: text) == JSONWriter.encode(revs: raised), "\(field)↑\(rev) in \(text)")
        }
    }

    @Test func theEdgesOfTheObject() {
        #expect(RevsText.setting("b", to: 7, in: "{}") == #"{"b":7}"#)
        #expect(RevsText.setting("a", to: 7, in: #"{"b":1}"#) == #"{"a":7,"b":1}"#)
        #expect(RevsText.setting("c", to: 7, in: #"{"b":1}"#) == #"{"b":1,"c":7}"#)
        #expect(RevsText.setting("b", to: 0, in: #"{"a":1,"b":-2,"c":3}"#) == #"{"a":1,"b":0,"c":3}"#)
        #expect(RevsText.rev(of: "b", in: #"{"a":1,"b":-2,"c":3}"#) == .some(-2))
        #expect(RevsText.rev(of: "ab", in: #"{"a":1,"abc":2}"#) == .some(nil))
        #expect(RevsText.raising("b", to: 1, in: #"{"a":1,"b":5}"#) == #"{"a":1,"b":5}"#, "a higher rev stays")
        #expect(RevsText.raising("b", to: 0, in: #"{"a":1}"#) == #"{"a":1}"#, "no rev is rev 0")
        #expect(RevsText.raising("b", to: 6, in: #"{"a":1,"b":5}"#) == #"{"a":1,"b":6}"#)
    }

    @Test func anyOtherShapeIsLeftToTheDecoder() {
        for text in ["", "{", "[]", #"{"a":1"#, #"{"a":1,}"#, #"{"a" :1}"#, #"{ "a":1}"#, #"{"a":1.5}"#, #"{"a":"1"}"#,
                     #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{"a\"b":1}"#, #"{"a":}"#, #"{"a":99999999999999999999}"#,
                     #"{"a":1}x"#, #"{"a":1,"b":2} "#, #"{"é":1}"#, #"{"a":1,"b":2,"c":x}"#, #"{"a":01}"#, #"{"a":-}"#] {
            #expect(RevsText.rev(of: "a", in: text) == nil, "\(text)")
            #expect(RevsText.setting("a", to: 3, in: text) == nil, "\(text)")
            #expect(RevsText.raising("a", to: 3, in: text) == nil, "\(text)")
        }
        #expect(RevsText.setting("a\"", to: 3, in: "{}") == nil, "a key the writer would escape")
    }
}

@Suite("FieldsText reads and sets one field as JSONWriter writes them")
struct FieldsTextTests {
    static let names = ["area", "description", "due", "lead", "owner", "status", "tags", "title"]
    static let texts = ["", "open", "Line one.\nLine \"two\" \\ three.", "ünïcødé 🚀", "a,b:c}{]["]

    static func randomValue(_ rng: inout some RandomNumberGenerator) -> FieldValue {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: .null
        case 1: .makeSet(texts.shuffled(using: &rng).prefix(Int.random(in: 0...3, using: &rng)))
        default: .text(texts.randomElement(using: &rng)!)
        }
    }

    @Test func agreesWithDecodingAndEncodingTheWholeObject() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var fields: [String: FieldValue] = [:]
            for name in Self.names.shuffled(using: &rng).prefix(Int.random(in: 0...Self.names.count, using: &rng)) {
                let v = Self.randomValue(&rng)
                if v != .null { fields[name] = v }
            }
            let text = JSONWriter.encode(fields: fields)
            let field = Self.names.randomElement(using: &rng)!
            #expect(FieldsText.value(of: field, in: text) == (fields[field] ?? .null), "\(field) in \(text)")
            let value = Self.randomValue(&rng)
            var changed = fields
            changed[field] = value == .null ? nil : value
            #expect(FieldsText.setting(field, to: value, in: text) == JSONWriter.encode(fields: changed), "\(field)=\(value) in \(text)")
        }
    }

    @Test func everyJSONEscapeIsReadThrough() {
        let text = #"{"a":"q\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE80","b":["\u0041"]}"#
        #expect(FieldsText.value(of: "b", in: text) == .set(["A"]))
        #expect(FieldsText.setting("b", to: .text("B"), in: text) == #"{"a":"q\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE80","b":"B"}"#)
    }

    @Test func removingAMember() {
        #expect(FieldsText.setting("a", to: .null, in: #"{"a":"x"}"#) == "{}")
        #expect(FieldsText.setting("a", to: .null, in: #"{"a":"x","b":[]}"#) == #"{"b":[]}"#)
        #expect(FieldsText.setting("b", to: .null, in: #"{"a":"x","b":["p","q"]}"#) == #"{"a":"x"}"#)
        #expect(FieldsText.setting("b", to: .null, in: #"{"a":"x","b":"y","c":"z"}"#) == #"{"a":"x","c":"z"}"#)
        #expect(FieldsText.setting("q", to: .null, in: #"{"a":"x"}"#) == #"{"a":"x"}"#)
        #expect(FieldsText.value(of: "a", in: #"{"a":null}"#) == .null)
    }

    @Test func anyOtherShapeIsLeftToTheDecoder() {
        for text in ["", "{", #"{"a":"x}"#, #"{"a":"x",}"#, #"{"a":1}"#, #"{"a":["x",1]}"#, #"{"a":["x"}"#, #"{"b":"x","a":"y"}"#,
                     #"{"a":{"b":"c"}}"#, #"{"a":"x"} "#, #"{"a":"x","b":nul}"#, "{\"a\":\"line\nbreak\"}",
                     #"{"a":"x","b":"\q"}"#, #"{"a":"x","b":"\u12"}"#, #"{"a":"x","b":"\u12g4"}"#] {
            #expect(FieldsText.value(of: "a", in: text) == nil, "\(text)")
            #expect(FieldsText.setting("a", to: .text("v"), in: text) == nil, "\(text)")
        }
    }
}

