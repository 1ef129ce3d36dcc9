/// What a reaction may be: one emoji, that is one grapheme cluster made of emoji code points, with the joiners,
/// variation selectors, keycaps and tags that build sequences (👍🏽, 👨‍👩‍👧, 🇫🇷, 1️⃣, 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
enum Emoji {
    static func isSingle(_ text: String) -> Bool {
        guard text.count == 1 else { return false }
        var presented = false
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x200D, 0xFE0E: continue  // zero-width joiner, text variation selector
            case 0xFE0F, 0x20E3: presented = true  // emoji variation selector, combining keycap
            case 0xE0020...0xE007F: continue  // tags of subdivision flags
            default:
                guard scalar.properties.isEmoji else { return false }
                if scalar.properties.isEmojiPresentation || scalar.properties.isEmojiModifier { presented = true }
            }
        }
        // Digits, `#` and `©` are emoji code points too, but only shown as emoji with a selector or keycap.
        return presented
    }
}
