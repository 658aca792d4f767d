package dev.umbra.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A configuration file read as key to values, in the file's order: YAML ({@code .yaml}, {@code .yml}) or Java
 * properties ({@code .properties}). A YAML list gives several values, a YAML map {@code KEY=VALUE} values; a key
 * without a value (YAML null) is left out. What the keys mean is {@link ConfigDefaults}' business.
 */
final class ConfigFile {

    // A key written twice is a mistake to report, not a silent "last one wins".
    private static final YAMLMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private ConfigFile() {}

    /**
     * @throws IOException              when the file cannot be read
     * @throws IllegalArgumentException when it is not a flat YAML map or properties file; the message names the file
     */
    static Map<String, List<String>> read(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return yaml(file);
        }
        if (name.endsWith(".properties")) {
            return properties(file);
        }
        throw new IllegalArgumentException("config file " + file + ": name it .yaml, .yml or .properties");
    }

    private static Map<String, List<String>> properties(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        // Properties keep no order: sorted, so that map entries are applied the same way every time.
        properties.stringPropertyNames().stream().sorted()
                .forEach(key -> values.put(key, List.of(properties.getProperty(key))));
        return values;
    }

    private static Map<String, List<String>> yaml(Path file) throws IOException {
        JsonNode root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = YAML.readTree(reader);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("config file " + file + ": line " + e.getLocation().getLineNr() + ": "
                    + e.getOriginalMessage(), e);
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;   // an empty file
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("config file " + file + ": expected keys with values (key: value)");
        }
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String key = entry.getKey();
            JsonNode node = entry.getValue();
            List<String> list = new ArrayList<>();
            if (node.isNull()) {
                continue;
            } else if (node.isValueNode()) {
                list.add(node.asText());
            } else if (node.isArray()) {
                node.forEach(item -> list.add(scalar(file, key, item)));
            } else {
                node.properties().forEach(e -> list.add(e.getKey() + "=" + scalar(file, key, e.getValue())));
            }
            values.put(key, list);
        }
        return values;
    }

    private static String scalar(Path file, String key, JsonNode node) {
        if (!node.isValueNode() || node.isNull()) {
            throw new IllegalArgumentException(key + " in " + file + ": its list or map may hold only single values");
        }
        return node.asText();
    }
}
