package dev.umbra.loadtest.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Writes and reads report.json: snake_case keys, NaN ("no value": closed loop's target rate) as null, and null read
 * back as NaN, so that a report read back equals the one written.
 */
public final class JsonReport {

    private JsonReport() {}

    /** The mapper of report.json; shared, thread-safe once configured. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule("nan-as-null")
                    .addSerializer(Double.class, new NanAsNull())
                    .addSerializer(double.class, new NanAsNull())
                    .addDeserializer(Double.class, new NullAsNan())
                    .addDeserializer(double.class, new NullAsNan()));

    /** Reports of other versions of the tool may have keys this one does not know: they are skipped. */
    private static final ObjectReader READER = MAPPER.readerFor(Report.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static void write(Report report, Path file) throws IOException {
        MAPPER.writeValue(file.toFile(), report);
    }

    /**
     * Reads a report.json back.
     *
     * @throws NoSuchFileException when there is no such file
     * @throws IOException         when it cannot be read or is not a report (the message names the file and, for
     *                             bad JSON, the line and column)
     */
    public static Report read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        Report report;
        try {
            report = READER.readValue(file.toFile());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new IOException(file + ": not a load tool report (" + e.getOriginalMessage() + where + ")", e);
        }
        if (report == null || report.results() == null || report.settings() == null) {
            throw new IOException(file + ": not a load tool report (no settings or results)");
        }
        return report;
    }

    /** JSON has no NaN; a number that does not exist is written as null. */
    private static final class NanAsNull extends JsonSerializer<Double> {
        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            if (value == null || value.isNaN() || value.isInfinite()) {
                gen.writeNull();
            } else {
                gen.writeNumber(value);
            }
        }
    }

    /** The reverse of {@link NanAsNull}: null is "no value", NaN, also where the field is a primitive. */
    private static final class NullAsNan extends JsonDeserializer<Double> {
        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != null && p.currentToken().isNumeric()) {
                return p.getDoubleValue();
            }
            return (Double) ctxt.handleUnexpectedToken(Double.class, p);
        }

        @Override
        public Double getNullValue(DeserializationContext ctxt) {
            return Double.NaN;
        }
    }
}
