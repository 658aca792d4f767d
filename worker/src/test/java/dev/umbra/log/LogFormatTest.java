package dev.umbra.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The console's two formats through the shipped logback.xml: what a line holds, with and without the ids. */
class LogFormatTest {

    private static final Logger LOG = LoggerFactory.getLogger(LogFormatTest.class);

    @AfterEach
    void backToText() {
        LogFormat.use(LogFormat.TEXT);
    }

    /** What the console appender writes while {@code logging} runs (it writes to whatever System.err is then). */
    private static List<String> console(LogFormat format, Runnable logging) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            LogFormat.use(format);
            logging.run();
        } finally {
            LogFormat.use(LogFormat.TEXT);
            System.setErr(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static void logInAndOutOfContext() {
        try (LogContext request = LogContext.request("r-1"); LogContext batch = LogContext.batch("w-1-7")) {
            LOG.info("answered {} rows", 3);
        }
        LOG.info("outside");
    }

    @Test
    void jsonIsOneParseableObjectPerLineWithTheIdsWhereTheyApply() throws Exception {
        List<String> lines = console(LogFormat.JSON, LogFormatTest::logInAndOutOfContext);
        assertEquals(2, lines.size(), String.join("\n", lines));
        JsonNode inside = new ObjectMapper().readTree(lines.get(0));
        assertEquals("INFO", inside.get("level").asText());
        assertEquals(LogFormatTest.class.getName(), inside.get("loggerName").asText());
        assertEquals("answered 3 rows", inside.get("formattedMessage").asText());
        assertEquals("r-1", inside.get("mdc").get("request_id").asText());
        assertEquals("w-1-7", inside.get("mdc").get("batch_id").asText());
        assertTrue(inside.get("timestamp").asLong() > 0);
        assertEquals(Thread.currentThread().getName(), inside.get("threadName").asText());
        JsonNode outside = new ObjectMapper().readTree(lines.get(1));
        assertEquals("outside", outside.get("formattedMessage").asText());
        assertTrue(outside.path("mdc").path("request_id").isMissingNode(), lines.get(1));
    }

    @Test
    void anExceptionStaysInsideItsJsonLine() throws Exception {
        List<String> lines = console(LogFormat.JSON, () -> LOG.error("batch failed:\nsee below",
                new IllegalStateException("boom", new ArithmeticException("cause"))));
        assertEquals(1, lines.size(), String.join("\n", lines));
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertEquals("batch failed:\nsee below", line.get("formattedMessage").asText());
        JsonNode throwable = line.get("throwable");
        assertEquals(IllegalStateException.class.getName(), throwable.get("className").asText());
        assertEquals("boom", throwable.get("message").asText());
        assertTrue(throwable.get("stepArray").size() > 0);
        assertEquals("cause", throwable.get("cause").get("message").asText());
    }

    @Test
    void textShowsTheIdsWhereTheyApplyAndIsUnchangedElsewhere() {
        List<String> lines = console(LogFormat.TEXT, LogFormatTest::logInAndOutOfContext);
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.+] \\S*LogFormatTest"
                + " \\[req=r-1 batch=w-1-7] - answered 3 rows"), lines.get(0));
        assertTrue(lines.get(1).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.+] \\S*LogFormatTest - outside"),
                lines.get(1));
        List<String> batchOnly = console(LogFormat.TEXT, () -> {
            try (LogContext batch = LogContext.batch("b-2")) {
                LOG.warn("slow");
            }
        });
        assertTrue(batchOnly.get(0).endsWith("LogFormatTest [batch=b-2] - slow"), batchOnly.get(0));
    }

    @Test
    void formatsAreNamedInAnyCase() {
        assertEquals(LogFormat.JSON, LogFormat.parse("JSON"));
        assertEquals(LogFormat.TEXT, LogFormat.parse("text"));
        assertEquals("json", LogFormat.JSON.toString());
        assertEquals("the log format must be text or json (got 'xml')",
                assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("xml")).getMessage());
    }

    @Test
    void scopesNestAndRestore() {
        List<String> seen = new ArrayList<>();
        try (LogContext outer = LogContext.request("a")) {
            try (LogContext inner = LogContext.request("b")) {
                seen.add(org.slf4j.MDC.get(LogContext.REQUEST_ID));
            }
            seen.add(org.slf4j.MDC.get(LogContext.REQUEST_ID));
        }
        seen.add(String.valueOf(org.slf4j.MDC.get(LogContext.REQUEST_ID)));
        assertEquals(List.of("b", "a", "null"), seen);
        try (LogContext none = LogContext.request(null)) {
            assertFalse(org.slf4j.MDC.getCopyOfContextMap() != null
                    && org.slf4j.MDC.getCopyOfContextMap().containsKey(LogContext.REQUEST_ID));
        }
    }
}
