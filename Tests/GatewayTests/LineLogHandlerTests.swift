import Logging
import Testing

@testable import Gateway

@Suite struct LineLogHandlerTests {
    @Test func logfmtQuotesWhatWouldOtherwiseSplitALine() {
        let line = LineLogHandler.render(
            .logfmt,
            time: "2026-12-05T00:00:00.000Z",
            level: .info,
            label: "parley",
            message: "request failed",
            fields: ["route": "/api/chats", "error": "bad \"thing\"\nnext=line", "empty": ""]
        )
        #expect(
            line
                == #"time=2026-12-05T00:00:00.000Z level=info label=parley msg="request failed" empty="" error="bad \"thing\"\nnext=line" route=/api/chats"#
                + "\n"
        )
    }

    @Test func jsonIsOneObjectPerLineWithEveryFieldAsAString() {
        let line = LineLogHandler.render(
            .json,
            time: "t",
            level: .warning,
            label: "parley",
            message: "say \"hi\"",
            fields: ["status": "503", "user": "\u{1}"]
        )
        #expect(line == #"{"time":"t","level":"warning","label":"parley","msg":"say \"hi\"","status":"503","user":"\u0001"}"# + "\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }
}
