import Foundation

/// Values that start with '-' are read as options by argument-parser, which then says only
/// that the option before them has no value ("Missing value for '--port <port>'"). Both
/// programs read such a message with these helpers: a negative number is joined to an
/// option that takes a number (so its own range check words the error), and other values
/// get a hint to attach them with '='.
public enum DashValue {
    /// `arguments` with the option that `message` says has no value joined to the negative
    /// number after it (`--port=-1`), or nil when the option is not one of `numberOptions`
    /// or no negative number follows it.
    public static func joiningNegativeNumber(in arguments: [String], message: String, numberOptions: Set<String>) -> [String]? {
        guard let option = optionMissingValue(message), numberOptions.contains(option) else { return nil }
        let end = arguments.firstIndex(of: "--") ?? arguments.count
        guard let i = arguments[..<end].indices.first(where: {
            arguments[$0] == option && $0 + 1 < end && isNegativeNumber(arguments[$0 + 1])
        }) else { return nil }
        var joined = arguments
        joined[i] = option + "=" + arguments[i + 1]
        joined.remove(at: i + 1)
        return joined
    }

    /// "-1", "-0.5": a minus sign, then digits (and a decimal point).
    public static func isNegativeNumber(_ arg: String) -> Bool {
        let rest = arg.dropFirst()
        return arg.hasPrefix("-") && rest.first?.isASCII == true && rest.first?.isNumber == true
            && rest.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "." }
    }

    /// "hint: '-x' starts with '-', ...; attach it with '=': --name=-x", when `message`
    /// says an option has no value and the word after that option starts with '-'.
    public static func attachHint(for message: String, arguments: [String]) -> String? {
        guard let option = optionMissingValue(message), let i = arguments.firstIndex(of: option),
              i + 1 < arguments.count, arguments[i + 1].hasPrefix("-"), arguments[i + 1] != "--" else { return nil }
        let value = arguments[i + 1]
        return "hint: '\(value)' starts with '-', so it was read as an option; attach it with '=': \(option)=\(value)"
    }

    /// "--owner" from "Missing value for '--owner <owner>'".
    public static func optionMissingValue(_ message: String) -> String? {
        guard let quoted = quoted(after: "Missing value for '", in: message) else { return nil }
        let name = quoted.prefix { $0 != " " }
        return name.hasPrefix("-") ? String(name) : nil
    }

    /// The text between `prefix` and the next quote in `message`.
    public static func quoted(after prefix: String, in message: String) -> String? {
        guard let start = message.range(of: prefix)?.upperBound else { return nil }
        return String(message[start...].prefix { $0 != "'" })
    }
}
