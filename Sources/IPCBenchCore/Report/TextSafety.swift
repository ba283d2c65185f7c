/// Text from outside (a result file, a suite, the machine: hostnames, CPU models, notes) made
/// safe to show. On a terminal an escape sequence could retitle the window, move the cursor or
/// hide a line; in Markdown a `<script>`, a link or a `|` would render as HTML, a link or a
/// new table column instead of the text it is.
public enum TextSafety {
    /// Control characters (C0, DEL, C1) shown as visible escapes (`\u{1b}`), the way one-line
    /// errors echo input (``echo(_:limit:)``), nothing cut; every other character unchanged.
    public static func forTerminal(_ s: String) -> String {
        echo(s, limit: Int.max)
    }

    /// ``forTerminal(_:)`` first (so no line break or escape survives), then every ASCII
    /// punctuation character backslash-escaped: CommonMark renders `\x` as a plain `x` for each
    /// of them, so `<script>`, `&lt;`, `[a](b)`, `*`, `_`, `` ` ``, `|`, `http://…` and `www.…`
    /// show as the characters they are and never as HTML, emphasis, code, a link or a cell break.
    public static func forMarkdown(_ s: String) -> String {
        var out = ""
        for scalar in forTerminal(s).unicodeScalars {
            if isASCIIPunctuation(scalar) { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`: the characters CommonMark lets a backslash escape.
    static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }
}
