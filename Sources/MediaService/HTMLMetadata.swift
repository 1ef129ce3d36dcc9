/// Link-preview metadata read from an HTML page: Open Graph first, then Twitter cards, then plain HTML.
///
/// A preview needs only a few start tags and the `<title>` text, so this is a forgiving single-pass tokenizer in the spirit of
/// the WHATWG one, with no tree builder. Every scan only moves forward, so the cost stays linear in the input whatever it holds,
/// and input that ends inside a tag, comment or quote just ends the scan.
struct HTMLMetadata: Equatable, Sendable {
    var title: String?
    var description: String?
    /// As written in the page (it may be relative); the caller resolves it against `baseHref` and the page's URL.
    var image: String?
    var baseHref: String?

    /// Parses `bytes` (UTF-8; invalid sequences repaired) and returns what it found.
    static func parse(_ bytes: some Sequence<UInt8>) -> HTMLMetadata {
        var tokenizer = Tokenizer(bytes: Array(bytes))
        tokenizer.run()
        let found = tokenizer.found
        return HTMLMetadata(
            title: found[.ogTitle] ?? found[.twitterTitle] ?? found[.title],
            description: found[.ogDescription] ?? found[.twitterDescription] ?? found[.description],
            image: found[.ogImage] ?? found[.twitterImage],
            baseHref: found[.base]
        )
    }
}

private enum Slot {
    case ogTitle, twitterTitle, title, ogDescription, twitterDescription, description, ogImage, twitterImage, base

    static let metaKeys: [String: Slot] = [
        "og:title": .ogTitle, "twitter:title": .twitterTitle,
        "og:description": .ogDescription, "twitter:description": .twitterDescription, "description": .description,
        "og:image": .ogImage, "og:image:url": .ogImage, "og:image:secure_url": .ogImage,
        "twitter:image": .twitterImage, "twitter:image:src": .twitterImage,
    ]

    /// URLs are dropped when too long, since a cut one would point somewhere else; text is cut.
    var isURL: Bool { self == .ogImage || self == .twitterImage || self == .base }
}

private struct Tokenizer {
    let b: [UInt8]
    var i = 0
    var found: [Slot: String] = [:]

    init(bytes: [UInt8]) { b = bytes }

    mutating func run() {
        while let open = b[i...].firstIndex(of: .lt) {
            i = open + 1
            guard i < b.count else { return }
            if b[i] == .bang {
                markupDeclaration()
            } else if b[i] == .question {
                skip(past: [.gt])  // a processing instruction is a bogus comment in HTML
            } else if b[i] == .slash {
                endTag()
            } else if b[i].isLetter {
                startTag()
            }  // anything else: the `<` was text
        }
    }

    mutating func markupDeclaration() {
        if hasPrefix("!--") {
            i = commentEnd() ?? b.count
        } else if hasPrefix("![CDATA[") {
            skip(past: Array("]]>".utf8))
        } else {
            skip(past: [.gt])  // <!DOCTYPE ...> and bogus comments
        }
    }

    /// Where the comment opened by the `!--` at `i` ends: after `-->` or `--!>`.
    func commentEnd() -> Int? {
        // Searching from the opening dashes makes `<!-->` and `<!--->` complete (empty) comments, as in browsers.
        var k = i + 1
        while let dashes = index(of: [.dash, .dash], from: k) {
            if b[(dashes + 2)...].starts(with: [.gt]) { return dashes + 3 }
            if dashes > i + 1, b[(dashes + 2)...].starts(with: [.bang, .gt]) { return dashes + 4 }
            k = dashes + 1
        }
        return nil
    }

    mutating func endTag() {
        guard i + 1 < b.count else { return }
        if b[i + 1].isLetter {
            i += 1
            _ = tagName()
            _ = attributes([])
        } else if b[i + 1] == .gt {
            i += 2  // `</>` is ignored
        } else {
            skip(past: [.gt])
        }
    }

    mutating func startTag() {
        let name = tagName()
        switch name {
        case "meta":
            guard let values = attributes(["property", "name", "content"]), let content = values[2] else { return }
            for case let keyRange? in values[0...1] where keyRange.count <= 32 {
                let key = String(decoding: b[trimmed(keyRange)].map(\.lowercased), as: UTF8.self)
                if let slot = Slot.metaKeys[key] { store(content, in: slot) }
            }
        case "base":
            if let href = attributes(["href"])?[0] { store(href, in: .base) }
        case "title", "textarea":
            // RCDATA: no tags inside, but character references are decoded.
            guard attributes([]) != nil else { return }
            let text = rawText(until: name)
            if name == "title" { store(text, in: .title) }
        case "script", "style", "xmp", "iframe", "noembed", "noframes":
            // Raw text: a `<meta>` inside a script string must not count.
            if attributes([]) != nil { _ = rawText(until: name) }
        case "plaintext":
            i = b.count
        default:
            _ = attributes([])
        }
    }

    /// Reads a tag name starting at `i`, lowercased. Only short names can match one we care about, so long ones come back empty.
    mutating func tagName() -> String {
        let start = i
        while i < b.count, !b[i].isHTMLSpace, b[i] != .slash, b[i] != .gt { i += 1 }
        return i - start <= 10 ? String(decoding: b[start..<i].map(\.lowercased), as: UTF8.self) : ""
    }

    /// Reads attributes up to and past the tag's `>`, returning the value range of each name in `wanted` (the first occurrence
    /// wins, as in browsers; an attribute without a value has an empty range). Nil when the input ends inside the tag.
    mutating func attributes(_ wanted: [String]) -> [Range<Int>?]? {
        var values = [Range<Int>?](repeating: nil, count: wanted.count)
        while true {
            while i < b.count, b[i].isHTMLSpace || b[i] == .slash { i += 1 }
            guard i < b.count else { return nil }
            if b[i] == .gt {
                i += 1
                return values
            }
            let nameStart = i
            i += 1  // a leading `=` belongs to the name
            while i < b.count, !b[i].isHTMLSpace, b[i] != .slash, b[i] != .gt, b[i] != .equals { i += 1 }
            let nameEnd = i
            while i < b.count, b[i].isHTMLSpace { i += 1 }
            var value = i..<i
            if i < b.count, b[i] == .equals {
                i += 1
                while i < b.count, b[i].isHTMLSpace { i += 1 }
                guard i < b.count else { return nil }
                if b[i] == .quote || b[i] == .apostrophe {
                    guard let close = b[(i + 1)...].firstIndex(of: b[i]) else {
                        i = b.count
                        return nil
                    }
                    value = (i + 1)..<close
                    i = close + 1
                } else {
                    let start = i
                    while i < b.count, !b[i].isHTMLSpace, b[i] != .gt { i += 1 }
                    value = start..<i
                }
            }
            if !wanted.isEmpty, nameEnd - nameStart <= 16 {
                let name = String(decoding: b[nameStart..<nameEnd].map(\.lowercased), as: UTF8.self)
                if let k = wanted.firstIndex(of: name), values[k] == nil { values[k] = value }
            }
        }
    }

    /// Skips the content of a raw-text or RCDATA element and its end tag, returning the content; an unclosed element runs to the
    /// end of the input, as in browsers.
    mutating func rawText(until name: String) -> Range<Int> {
        let pattern = Array(name.utf8)
        let start = i
        var k = i
        while let open = b[k...].firstIndex(of: .lt) {
            let after = open + 2 + pattern.count
            if after <= b.count, b[open + 1] == .slash, zip(b[(open + 2)..<after], pattern).allSatisfy({ $0.lowercased == $1 }),
                after == b.count || b[after].isHTMLSpace || b[after] == .slash || b[after] == .gt
            {
                i = after
                _ = attributes([])
                return start..<open
            }
            k = open + 1
        }
        i = b.count
        return start..<b.count
    }

    mutating func store(_ range: Range<Int>, in slot: Slot) {
        guard found[slot] == nil else { return }
        found[slot] = Self.normalized(decode(range), isURL: slot.isURL)
    }

    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var range = range
        while let first = range.first, b[first].isHTMLSpace { range = range.dropFirst() }
        while let last = range.last, b[last].isHTMLSpace { range = range.dropLast() }
        return range
    }

    func hasPrefix(_ s: String) -> Bool { b[i...].starts(with: s.utf8) }

    func index(of pattern: [UInt8], from start: Int) -> Int? {
        guard let first = pattern.first else { return start }
        var k = start
        while let j = b[k...].firstIndex(of: first) {
            if b[j...].starts(with: pattern) { return j }
            k = j + 1
        }
        return nil
    }

    mutating func skip(past pattern: [UInt8]) { i = index(of: pattern, from: i).map { $0 + pattern.count } ?? b.count }

    /// Decodes character references; `String(decoding:)` then repairs any invalid UTF-8.
    func decode(_ range: Range<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var k = range.lowerBound
        while k < range.upperBound {
            if b[k] == .ampersand, let (scalar, next) = reference(at: k + 1, end: range.upperBound) {
                out.append(contentsOf: scalar.utf8)
                k = next
            } else {
                out.append(b[k])
                k += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The character reference after an `&` at `p`, and where it ends; nil when it is not one and stays as written.
    func reference(at p: Int, end: Int) -> (Unicode.Scalar, Int)? {
        if p < end, b[p] == .hash {
            let isHex = p + 1 < end && b[p + 1].lowercased == UInt8(ascii: "x")
            var k = isHex ? p + 2 : p + 1
            let digitsStart = k
            var value = 0
            while k < end, let digit = b[k].digitValue(hex: isHex) {
                value = min(value * (isHex ? 16 : 10) + digit, 0x11_0000)  // clamped: only "too big" matters past this
                k += 1
            }
            guard k > digitsStart else { return nil }
            if k < end, b[k] == .semicolon { k += 1 }
            return (Self.numericScalar(value), k)
        }
        var k = p
        while k < end, k - p < 10, b[k].isAlphanumeric { k += 1 }
        guard let scalar = Self.named[String(decoding: b[p..<k], as: UTF8.self)] else { return nil }
        if k < end, b[k] == .semicolon { return (scalar, k + 1) }
        // Browsers accept a few legacy names without `;`, but not before `=` or more letters, which keeps `?a=1&copy=2` intact.
        let isLegacy = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"].contains(where: { b[p..<k].elementsEqual($0.utf8) })
        let nextIsNameLike = k < end && (b[k] == .equals || b[k].isAlphanumeric)
        return isLegacy && !nextIsNameLike ? (scalar, k) : nil
    }

    static func numericScalar(_ value: Int) -> Unicode.Scalar {
        let replacement: Unicode.Scalar = "\u{FFFD}"
        // Browsers read 0x80–0x9F as Windows-1252, which old pages rely on for quotes and dashes.
        if (0x80...0x9F).contains(value), windows1252[value - 0x80] != 0, let mapped = Unicode.Scalar(windows1252[value - 0x80]) {
            return mapped
        }
        guard value != 0, let scalar = Unicode.Scalar(UInt32(clamping: value)) else { return replacement }
        return scalar
    }

    static let windows1252: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®", "trade": "™",
        "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "laquo": "«",
        "raquo": "»", "middot": "·", "bull": "•", "euro": "€", "times": "×",
    ]

    /// Collapses whitespace, drops control characters (the values end up in JSON and UIs), trims, and applies the length caps.
    static func normalized(_ s: String, isURL: Bool) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        for scalar in s.unicodeScalars {
            // ASCII is tested by hand: the Unicode property lookups are several times slower than the rest of the parse.
            let v = scalar.value
            if v < 0x80 ? v == 0x20 || (0x09...0x0D).contains(v) : scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
            } else if v < 0x80 ? v >= 0x20 && v != 0x7F : scalar.properties.generalCategory != .control {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(contentsOf: scalar.utf8)
            }
        }
        var result = String(decoding: out, as: UTF8.self)
        if isURL {
            guard result.count <= 2048 else { return nil }
        } else if result.count > 300 {
            result = String(result.prefix(300))
            if result.last == " " { result.removeLast() }
        }
        return result.isEmpty ? nil : result
    }
}

extension UInt8 {
    fileprivate static let lt = UInt8(ascii: "<")
    fileprivate static let gt = UInt8(ascii: ">")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let bang = UInt8(ascii: "!")
    fileprivate static let question = UInt8(ascii: "?")
    fileprivate static let dash = UInt8(ascii: "-")
    fileprivate static let equals = UInt8(ascii: "=")
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let apostrophe = UInt8(ascii: "'")
    fileprivate static let ampersand = UInt8(ascii: "&")
    fileprivate static let hash = UInt8(ascii: "#")
    fileprivate static let semicolon = UInt8(ascii: ";")

    fileprivate var isHTMLSpace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0C || self == 0x0D }
    fileprivate var isLetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    fileprivate var isAlphanumeric: Bool { isLetter || (0x30...0x39).contains(self) }
    fileprivate var lowercased: UInt8 { (0x41...0x5A).contains(self) ? self | 0x20 : self }

    fileprivate func digitValue(hex: Bool) -> Int? {
        switch self {
        case 0x30...0x39: Int(self - 0x30)
        case 0x61...0x66 where hex: Int(self - 0x61 + 10)
        case 0x41...0x46 where hex: Int(self - 0x41 + 10)
        default: nil
        }
    }
}
