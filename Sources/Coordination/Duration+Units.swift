extension Duration {
    /// Whole milliseconds, rounded up so that a positive duration never becomes zero; saturating, never trapping.
    var wholeMillisecondsRoundedUp: Int64 { whole(perSecond: 1000) }

    /// Whole microseconds, rounded up; saturating, never trapping.
    var wholeMicrosecondsRoundedUp: Int64 { whole(perSecond: 1_000_000) }

    private func whole(perSecond units: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        let perUnit = 1_000_000_000_000_000_000 / units
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: units)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowed) = whole.addingReportingOverflow(attoseconds / perUnit + (attoseconds % perUnit > 0 ? 1 : 0))
        return overflowed ? .max : total
    }
}
