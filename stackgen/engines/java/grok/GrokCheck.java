// Runs grok patterns with Elasticsearch's grok library (Joni) over records, twice:
//   es        - as the ingest grok processor compiles them (Joni default options);
//   logstash  - as Logstash's grok filter does (Ruby MULTILINE: '.' also matches '\n'),
//               obtained with the inline option (?m).
// Input (stdin), one item per line, fields tab-separated, values escaped (\\ \n \r \t):
//   DEF <name> <regex>     a pattern definition
//   PAT <id> <pattern>     a grok expression
//   REC <pattern-id> <text>
// Output, per REC and mode: "<mode> MATCH" followed by "<field>=<value>" cells, or "<mode> NOMATCH".
import org.elasticsearch.grok.Grok;
import org.elasticsearch.grok.PatternBank;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

public class GrokCheck {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Map<String, String> defs = new HashMap<>();
        Map<String, Grok[]> groks = new HashMap<>();
        String line;
        while ((line = in.readLine()) != null) {
            String[] cells = line.split("\t", 3);
            switch (cells[0]) {
                case "DEF" -> defs.put(cells[1], unescape(cells[2]));
                case "PAT" -> {
                    PatternBank bank = new PatternBank(defs);
                    String pattern = unescape(cells[2]);
                    groks.put(cells[1], new Grok[] {
                        new Grok(bank, pattern, message -> {}),
                        new Grok(bank, "(?m)" + pattern, message -> {}),
                    });
                }
                case "REC" -> {
                    Grok[] pair = groks.get(cells[1]);
                    String text = unescape(cells[2]);
                    String[] modes = {"es", "logstash"};
                    for (int i = 0; i < 2; i++) {
                        Map<String, Object> captures = pair[i].captures(text);
                        StringBuilder row = new StringBuilder(modes[i]);
                        if (captures == null) {
                            row.append(" NOMATCH");
                        } else {
                            row.append(" MATCH");
                            for (Map.Entry<String, Object> e : new TreeMap<>(captures).entrySet()) {
                                row.append('\t').append(escape(e.getKey())).append('=').append(escape(String.valueOf(e.getValue())));
                            }
                        }
                        out.println(row);
                    }
                }
                default -> throw new IllegalArgumentException("unknown item: " + cells[0]);
            }
        }
        out.flush();
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
