import Testing

@testable import MediaService

// Link-preview metadata: the precedence between Open Graph, Twitter cards and plain HTML, and a tokenizer that is not fooled
// by comments, scripts or sloppy markup and never fails on garbage.

private func parse(_ html: String) -> HTMLMetadata { HTMLMetadata.parse(Array(html.utf8)) }

@Suite struct HTMLMetadataTests {
    @Test func openGraphWinsOverTwitterAndPlainHTML() {
        let page = parse(
            """
            <!DOCTYPE html><html><head>
            <title>Plain title</title>
            <meta name="description" content="Plain description">
            <meta name="twitter:title" content="Twitter title">
            <meta name="twitter:description" content="Twitter description">
            <meta name="twitter:image" content="/twitter.png">
            <meta property="og:title" content="OG title">
            <meta property="og:description" content="OG description">
            <meta property="og:image" content="/og.png">
            </head><body></body></html>
            """
        )
        #expect(page == HTMLMetadata(title: "OG title", description: "OG description", image: "/og.png", baseHref: nil))
    }

    @Test func twitterCardsAreTheFallback() {
        let page = parse(
            """
            <title>Plain title</title><meta name="description" content="Plain description">
            <meta name="twitter:title" content="Twitter title"><meta name="twitter:description" content="Twitter description">
            <meta name="twitter:image:src" content="https://cdn.example/t.png">
            """
        )
        #expect(page.title == "Twitter title")
        #expect(page.description == "Twitter description")
        #expect(page.image == "https://cdn.example/t.png")
        #expect(
            parse(#"<meta property="og:image:secure_url" content="https://x/s.png"><meta name=twitter:image content=t.png>"#).image
                == "https://x/s.png"
        )
        #expect(parse(#"<meta property="og:image:url" content="u.png">"#).image == "u.png")
    }

    @Test func titleElementAndMetaDescriptionAreTheLastResort() {
        let page = parse("<head><title>Tom &amp; Jerry &#8211; &#x2014;</title><meta name=description content='It&#39;s &quot;fine&quot;'></head>")
        #expect(page.title == "Tom & Jerry – —")
        #expect(page.description == "It's \"fine\"")
        #expect(page.image == nil)
    }

    @Test func characterReferences() {
        let title = parse("<title>&lt;b&gt; &copy; &reg; &hellip; &lsquo;a&rsquo; &ldquo;b&rdquo; &apos; &ndash; &unknown; &amp</title>").title
        #expect(title == "<b> © ® … ‘a’ “b” ' – &unknown; &")
        #expect(parse("<title>&#0;&#xD800;&#x110000;&#99999999999999999999;</title>").title == "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(parse("<title>&#150; &#X41; &#; &#x;</title>").title == "– A &#; &#x;", "0x80–0x9F read as Windows-1252, as browsers do")
        #expect(parse("<title>Rock&nbsp;&amp;&nbsp;Roll</title>").title == "Rock & Roll", "no-break spaces collapse too")
        #expect(parse("<meta name=description content='?a=1&copy=2&amp;b'>").description == "?a=1&copy=2&b", "a query string is not a reference")
    }

    @Test func metaInsideCommentsScriptsAndStylesIsIgnored() {
        let page = parse(
            """
            <!-- <meta property="og:title" content="commented out"> -->
            <script>document.write('<meta property="og:title" content="from a script">'); var s = "</scripty>";</script>
            <STYLE>/* <title>styled</title> */</Style>
            <textarea><meta name="description" content="typed"></textarea>
            <![CDATA[ <meta name="twitter:title" content="cdata"> ]]>
            <?xml version="1.0"?>
            <title>The real title</title>
            """
        )
        #expect(page == HTMLMetadata(title: "The real title", description: nil, image: nil, baseHref: nil))
        #expect(parse("<!--><title>after empty comment</title>").title == "after empty comment")
        #expect(parse("<!-- a --!><title>after bang close</title>").title == "after bang close")
        #expect(parse("<div title=\"<meta property=og:title content=attribute>\"></div>").title == nil)
    }

    @Test func quotingStylesAndCase() {
        let page = parse("<HEAD><META PROPERTY='OG:Title' CONTENT='Single \"quoted\"'><Meta Name=Description Content=unquoted/></HEAD>")
        #expect(page.title == "Single \"quoted\"")
        #expect(page.description == "unquoted/", "an unquoted value runs to whitespace or `>`, slash included")
        #expect(parse(#"<meta property="og:title"content="no space"/>"#).title == "no space")
        #expect(parse(#"<meta  name = "description"   content = "spaced" >"#).description == "spaced")
        #expect(parse("<meta property=og:image content><meta property=og:image content=''>").image == nil, "no value and empty value")
        #expect(parse("<meta property=' og:title ' content=padded>").title == "padded")
    }

    @Test func firstOccurrenceWins() {
        let page = parse(
            """
            <meta property="og:title" content="First"><meta property="og:title" content="Second">
            <meta name="description" content="d1" content="d2"><meta name="description" content="d3">
            <meta property="og:image" content="1.png"><meta property="og:image:secure_url" content="2.png">
            """
        )
        #expect(page.title == "First")
        #expect(page.description == "d1", "a duplicated attribute keeps its first value, as in browsers")
        #expect(page.image == "1.png")
        #expect(parse("<title>One</title><title>Two</title>").title == "One")
        #expect(
            parse("<meta property=og:title content='  '><meta property=og:title content=Filled>").title == "Filled",
            "a blank value does not count"
        )
    }

    @Test func whitespaceIsCollapsedAndTrimmed() {
        #expect(parse("<title>\n   Hello \t\r\n   world  \n</title>").title == "Hello world")
        #expect(parse("<meta name=description content=\"  a\n\nb\u{1}c  \">").description == "a bc", "control characters are dropped")
        #expect(parse("<title> \n\t </title>").title == nil)
    }

    @Test func lengthsAreCapped() {
        let page = parse(
            "<title>\(String(repeating: "é", count: 400))</title><meta name=description content='\(String(repeating: "ab ", count: 200))'>"
        )
        #expect(page.title == String(repeating: "é", count: 300))
        #expect(page.description?.count == 299, "cut at 300 characters, then the trailing space trimmed")
        let flag = "🇫🇷"
        #expect(parse("<title>\(String(repeating: flag, count: 301))</title>").title == String(repeating: flag, count: 300), "cut between characters")

        let longURL = "https://cdn.example/" + String(repeating: "a", count: 2048)
        #expect(parse("<meta property=og:image content='\(longURL)'><meta name=twitter:image content=short.png>").image == "short.png")
        let okURL = String(longURL.prefix(2048))
        #expect(parse("<meta property=og:image content='\(okURL)'>").image == okURL)
    }

    @Test func baseHref() {
        let page = parse(#"<head><base target="_blank"><base href=" https://cdn.example/a/ "><base href="/second/"></head>"#)
        #expect(page.baseHref == "https://cdn.example/a/")
        #expect(parse("<meta property=og:image content=x.png>").baseHref == nil)
    }

    @Test func garbageInputEndsQuietly() {
        #expect(HTMLMetadata.parse([UInt8]()) == HTMLMetadata())
        #expect(parse("<") == HTMLMetadata())
        #expect(parse("<!-- <title>never closed</title>") == HTMLMetadata())
        #expect(parse("<meta property=og:title content=\"never closed") == HTMLMetadata())
        #expect(parse("<script><meta property=og:title content=x>") == HTMLMetadata())
        #expect(parse("<title>unclosed title").title == "unclosed title", "browsers take the rest of the input as the title")
        #expect(HTMLMetadata.parse([0x3C, 0x74, 0x69, 0x74, 0x6C, 0x65, 0x3E, 0xFF, 0x41, 0xC3]).title == "\u{FFFD}A\u{FFFD}")

        var generator = SplitMix64(seed: 42)
        let tokens = [
            "<", ">", "\"", "'", "=", "/", "!", "-", "&", "#", ";", " ", "x", "<meta ", "property=og:title ", "content=", "<title>",
            "</title>", "<script>", "</script>", "<!--", "-->", "<![CDATA[", "&#x", "&amp", "\u{FF}",
        ]
        for round in 0..<2000 {
            let bytes: [UInt8] =
                round.isMultiple(of: 2)
                ? (0..<200).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                : Array((0..<60).map { _ in tokens[Int(generator.next() % UInt64(tokens.count))] }.joined().utf8)
            let page = HTMLMetadata.parse(bytes)
            for value in [page.title, page.description].compactMap(\.self) {
                #expect(!value.isEmpty && value.count <= 300 && value.first != " " && value.last != " ")
            }
        }
    }

    /// Inputs that make a naive scanner backtrack; their speed is measured by `parley-bench`-style runs, not here.
    @Test func pathologicalInputsEndWithoutMetadata() {
        let size = 1 << 18
        let inputs: [[UInt8]] = [
            [UInt8](repeating: UInt8(ascii: "<"), count: size),
            Array(String(repeating: "<a a a a ", count: size / 9).utf8),
            Array(("<!--" + String(repeating: "- -> -", count: size / 6)).utf8),
            Array(("<meta content=\"" + String(repeating: "<meta ", count: size / 6)).utf8),
            Array(String(repeating: "<title></titl", count: size / 13).utf8),
            Array(("<title>" + String(repeating: "&#99999 \n", count: size / 9)).utf8),
        ]
        for input in inputs {
            let found = HTMLMetadata.parse(input)
            #expect(found.description == nil && found.image == nil && found.baseHref == nil)
        }
    }

    @Test func pageWithoutMetadataGivesNothing() {
        let page = parse("<!DOCTYPE html><html><head><link rel=stylesheet href=a.css></head><body><h1>Hi</h1><p>Text</p></body></html>")
        #expect(page == HTMLMetadata(title: nil, description: nil, image: nil, baseHref: nil))
    }
}

/// A seeded generator, so a failing fuzz case can be reproduced.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
