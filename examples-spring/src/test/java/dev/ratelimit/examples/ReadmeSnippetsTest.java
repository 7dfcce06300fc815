package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet of the README compiles, read from the file itself: its {@code import} lines
 * as written, the rest as a method body — or, when the snippet declares a type, as a compilation
 * unit. A snippet that uses a variable it does not declare says so in an HTML comment right above
 * it, {@code <!-- given: dev.ratelimit.Policy policy -->}, with fully qualified types: they
 * become the parameters of the method the snippet is the body of.
 */
class ReadmeSnippetsTest {

    private static final Pattern SNIPPET =
            Pattern.compile("(?:<!-- given: ([^>]*) -->\\n)?```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "^(?:@\\w+(?:\\([^)]*\\))?\\s+)*(?:public\\s+|abstract\\s+|final\\s+)*(?:class|record|interface|enum)\\s",
            Pattern.MULTILINE);

    @TempDir
    Path work;

    @Test
    void everyJavaSnippetOfTheReadmeCompiles() throws IOException {
        Path readme = Path.of(System.getProperty("basedir", "."))
                .toAbsolutePath()
                .getParent()
                .resolve("README.md");
        String text = Files.readString(readme);
        List<Path> sources = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        Matcher m = SNIPPET.matcher(text);
        while (m.find()) {
            int number = sources.size() + 1;
            String given = m.group(1) == null ? "" : m.group(1).strip();
            sources.add(write(number, given, m.group(2)));
            lines.add(lineOf(text, m.start(2)));
        }
        assertThat(sources).as("Java snippets found in %s", readme).hasSizeGreaterThanOrEqualTo(8);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            StringWriter out = new StringWriter();
            boolean compiled = javac.getTask(
                            out,
                            files,
                            diagnostics,
                            List.of(
                                    "--release",
                                    "17",
                                    "-proc:none",
                                    "-classpath",
                                    System.getProperty("java.class.path"),
                                    "-d",
                                    work.resolve("classes").toString()),
                            null,
                            files.getJavaFileObjectsFromPaths(sources))
                    .call();
            List<String> errors = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    String name = d.getSource() == null ? "?" : d.getSource().getName();
                    int snippet = sources.indexOf(Path.of(name)) + 1;
                    errors.add("README snippet " + snippet + " (line " + (snippet > 0 ? lines.get(snippet - 1) : 0)
                            + "): " + d.getMessage(Locale.ROOT));
                }
            }
            assertThat(errors).as("compile errors; javac said:%n%s", out).isEmpty();
            assertThat(compiled).isTrue();
        }
    }

    /** The snippet as a source file of its own package, so that no two snippets clash. */
    private Path write(int number, String given, String snippet) throws IOException {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : snippet.split("\n", -1)) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        String pkg = "readme.snippet" + number;
        String source;
        if (TYPE_DECLARATION.matcher(body).find()) {
            source = "package " + pkg + ";\n" + imports + body;
        } else {
            source = "package " + pkg + ";\n" + imports + "class Snippet {\n"
                    + "    @SuppressWarnings(\"unused\")\n"
                    + "    void run(" + given + ") throws Exception {\n" + body + "    }\n}\n";
        }
        String name = TYPE_DECLARATION.matcher(body).find() ? publicTypeName(body) : "Snippet";
        Path file = work.resolve("src").resolve(pkg.replace('.', '/')).resolve(name + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        return file;
    }

    /** The name of the snippet's public type, which names its file; else its first type. */
    private static String publicTypeName(CharSequence body) {
        Matcher m = Pattern.compile("public\\s+(?:abstract\\s+|final\\s+)*(?:class|record|interface|enum)\\s+(\\w+)")
                .matcher(body);
        if (m.find()) {
            return m.group(1);
        }
        Matcher any =
                Pattern.compile("(?:class|record|interface|enum)\\s+(\\w+)").matcher(body);
        return any.find() ? any.group(1) : "Snippet";
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
