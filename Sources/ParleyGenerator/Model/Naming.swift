/// Identifier spelling shared by the renderers.
public enum Naming {
    /// `message:send` → `messageSend`, `get-by-id` → `getById`, `_id` → `id`.
    public static func lowerCamel(_ name: String) -> String {
        // An all-capitals word (`VALIDATION_FAILED`) reads as a word, not as initials.
        let parts = name.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { $0.count > 1 && $0.allSatisfy({ !$0.isLowercase }) ? $0.lowercased() : String($0) }
        guard let first = parts.first else { return name }
        return first.prefix(1).lowercased() + first.dropFirst() + parts.dropFirst().map(capitalized).joined()
    }

    /// `message:send` → `MessageSend`, `auth` → `Auth`.
    public static func upperCamel(_ name: String) -> String {
        let camel = lowerCamel(name)
        return camel.prefix(1).uppercased() + camel.dropFirst()
    }

    private static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}
