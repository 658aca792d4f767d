package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.umbra.model.tokenizer.ClipTokenizer;
import dev.umbra.model.tokenizer.TokenizedBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Published tokenizer.json files often carry their own truncation and padding blocks (openai/clip-vit-large-patch14
 * truncates at 77 and pads with its end token). The framing to 77 is ours, so such blocks must change nothing.
 */
class TokenizerFileSettingsTest {

    @Test
    void truncationAndPaddingBlocksInTheFileAreIgnored(@TempDir Path dir) throws Exception {
        Path shipped = EmbeddedModels.defaultTokenizerDir().resolve("tokenizer.json");
        JsonObject json = JsonParser.parseString(Files.readString(shipped)).getAsJsonObject();
        json.add("truncation", JsonParser.parseString(
                "{\"direction\": \"Right\", \"max_length\": 5, \"strategy\": \"LongestFirst\", \"stride\": 0}"));
        json.add("padding", JsonParser.parseString("{\"strategy\": {\"Fixed\": 20}, \"direction\": \"Right\","
                + " \"pad_to_multiple_of\": null, \"pad_id\": 7, \"pad_type_id\": 0, \"pad_token\": \"x\"}"));
        Path modified = dir.resolve("tokenizer.json");
        Files.writeString(modified, json.toString());

        List<String> prompts = List.of("a green bench and a blue bowl on the top of a very long table by the sea", "",
                "cat");
        try (ClipTokenizer reference = ClipTokenizer.load(shipped, 0);
             ClipTokenizer withBlocks = ClipTokenizer.load(modified, 0)) {
            TokenizedBatch want = reference.encode(prompts);
            TokenizedBatch got = withBlocks.encode(prompts);
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(ClipTokenizer.CONTEXT_LENGTH, got.inputIds()[i].length);
                assertArrayEquals(want.inputIds()[i], got.inputIds()[i], "ids of prompt " + i);
                assertArrayEquals(want.attentionMask()[i], got.attentionMask()[i], "mask of prompt " + i);
            }
            // The long prompt really is longer than the file's truncation length.
            assertTrue(Arrays.stream(want.attentionMask()[0]).sum() > 5);
        }
    }
}
