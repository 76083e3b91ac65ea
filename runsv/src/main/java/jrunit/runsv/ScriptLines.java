package jrunit.runsv;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The words of a shell script that uses nothing of the shell but literal words: its logical lines
 * (backslash-newline joined), each a list of {@link Token}s, quotes removed, comments dropped. Anything
 * the shell would expand, split differently or treat as syntax ({@code $}, backquotes, globs, {@code ;},
 * {@code &&}, pipes, redirections other than {@code 2>&1}, a backslash other than before a newline, a
 * quote spanning lines…) makes it {@link NotRecognised}: such a script runs in a real shell.
 */
final class ScriptLines {
    private ScriptLines() {}

    /** A word, the {@code ||} operator, or the redirection {@code 2>&1}. */
    sealed interface Token {}

    /** A word, quotes removed. */
    record Word(String text) implements Token {}

    /** {@code ||}. */
    record Or() implements Token {}

    /** {@code 2>&1}. */
    record StderrToStdout() implements Token {}

    /** A logical line: its number (the first physical line it starts on, from 1) and its tokens. */
    record Line(int number, List<Token> tokens) {}

    /** Why a script is run by a shell after all; the message says what the shell would have done differently. */
    static final class NotRecognised extends Exception {
        NotRecognised(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Characters the shell treats as syntax or expansion wherever they stand unquoted. */
    private static final String SYNTAX = "$`;&|<>(){}!*?";

    /**
     * The non-empty logical lines of {@code script} (its bytes as ISO-8859-1 chars: one char per
     * byte, so comments may hold any bytes); words are decoded as UTF-8 and must be valid.
     */
    static List<Line> of(String script) throws NotRecognised {
        List<Line> lines = new ArrayList<>();
        List<Token> tokens = new ArrayList<>();
        StringBuilder word = null;
        boolean quoted = false; // the word so far has quotes: "2">&1 is no redirection of stderr
        int lineNo = 1, startLine = 1;
        int n = script.length();
        for (int i = 0; i < n; i++) {
            char c = script.charAt(i);
            if (c == '\\') {
                if (i + 1 < n && script.charAt(i + 1) == '\n') {
                    i++;
                    lineNo++;
                    continue;
                }
                throw new NotRecognised("line " + lineNo + ": a backslash");
            }
            if (c == '\n' || c == ' ' || c == '\t') {
                word = endWord(word, tokens, lineNo);
                quoted = false;
                if (c == '\n') {
                    if (!tokens.isEmpty()) lines.add(new Line(startLine, List.copyOf(tokens)));
                    tokens.clear();
                    startLine = ++lineNo;
                }
                continue;
            }
            if (tokens.isEmpty() && word == null) startLine = lineNo;
            if (c == '#' && word == null) {
                while (i + 1 < n && script.charAt(i + 1) != '\n') i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                int close = script.indexOf(c, i + 1);
                if (close < 0) throw new NotRecognised("line " + lineNo + ": an unterminated quote");
                String inside = script.substring(i + 1, close);
                for (char q : new char[] {'\n', '$', '`', '\\'}) {
                    if (inside.indexOf(q) >= 0) {
                        throw new NotRecognised("line " + lineNo + ": " + describe(q) + " inside quotes");
                    }
                }
                if (word == null) word = new StringBuilder();
                word.append(inside);
                quoted = true;
                i = close;
                continue;
            }
            if (c == '|' && i + 1 < n && script.charAt(i + 1) == '|') {
                word = endWord(word, tokens, lineNo);
                quoted = false;
                tokens.add(new Or());
                i++;
                continue;
            }
            if (c == '>' && word != null && !quoted && word.toString().equals("2") && script.startsWith(">&1", i)
                    && (i + 3 == n || " \t\n".indexOf(script.charAt(i + 3)) >= 0)) {
                tokens.add(new StderrToStdout());
                word = null;
                i += 2;
                continue;
            }
            if (SYNTAX.indexOf(c) >= 0) throw new NotRecognised("line " + lineNo + ": " + describe(c));
            if (c == '[' && !(word == null && (i + 1 == n || " \t\n".indexOf(script.charAt(i + 1)) >= 0))) {
                throw new NotRecognised("line " + lineNo + ": a glob ([)");
            }
            if (c == '~' && word == null) throw new NotRecognised("line " + lineNo + ": a tilde expansion");
            if (c < ' ' || c == 0x7f) throw new NotRecognised("line " + lineNo + ": a control character");
            if (word == null) word = new StringBuilder();
            word.append(c);
        }
        endWord(word, tokens, lineNo);
        if (!tokens.isEmpty()) lines.add(new Line(startLine, List.copyOf(tokens)));
        return lines;
    }

    private static StringBuilder endWord(StringBuilder word, List<Token> tokens, int lineNo) throws NotRecognised {
        if (word != null) tokens.add(new Word(utf8(word.toString(), lineNo)));
        return null;
    }

    /** A word's bytes (one char per byte) as the Java string they encode in UTF-8. */
    private static String utf8(String bytes, int lineNo) throws NotRecognised {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.getBytes(StandardCharsets.ISO_8859_1)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new NotRecognised("line " + lineNo + ": a word that is not UTF-8");
        }
    }

    private static String describe(char c) {
        return switch (c) {
            case '$' -> "an expansion ($)";
            case '`' -> "a command substitution (`)";
            case '\\' -> "a backslash";
            case '\n' -> "a newline";
            case '*', '?' -> "a glob (" + c + ")";
            case '|' -> "a pipe";
            case '&' -> "an & (background or &&)";
            case '<', '>' -> "a redirection";
            default -> "shell syntax (" + c + ")";
        };
    }
}
