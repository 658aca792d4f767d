package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.umbra.model.tokenizer.ClipTokenizer;
import dev.umbra.model.tokenizer.TokenizedBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLIP tokenizer's framing (ECLIPSE-SPEC section 6) and normalisation, on the shipped {@code tokenizer.json}.
 *
 * <p>Expected ids come from CLIP's {@code vocab.json} (e.g. {@code "cat</w>"} = 2368) and, for multi-byte text,
 * from OpenAI's reference BPE algorithm ({@code simple_tokenizer.py}) run once over {@code vocab.json} and
 * {@code merges.txt}: both independent of the Hugging Face tokenizers library under test.
 */
class ClipTokenizerTest {

    private static final long BOS = 49406;
    private static final long EOS = 49407;
    // vocab.json
    private static final long A = 320;      // "a</w>"
    private static final long B = 321;      // "b</w>"
    private static final long CAT = 2368;   // "cat</w>"
    private static final long DOG = 1929;   // "dog</w>"
    private static final long RED = 736;    // "red</w>"
    private static final long PHOTO = 1125; // "photo</w>"
    private static final long OF = 539;     // "of</w>"

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = ClipTokenizer.load(EmbeddedModels.defaultTokenizerDir(), 0);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** The content ids between the start token and the end token of a single prompt. */
    private static long[] content(ClipTokenizer t, String prompt) {
        TokenizedBatch b = t.encode(List.of(prompt));
        long[] row = b.inputIds()[0];
        int sum = (int) Arrays.stream(b.attentionMask()[0]).sum();
        assertEquals(BOS, row[0], "start token of " + prompt);
        assertEquals(EOS, row[sum - 1], "end token of " + prompt);
        return Arrays.copyOfRange(row, 1, sum - 1);
    }

    private static long[] content(String prompt) {
        return content(tokenizer, prompt);
    }

    @Test
    void specialTokenIdsAreClips() {
        assertEquals(BOS, tokenizer.bosId());
        assertEquals(EOS, tokenizer.eosId());
        assertEquals(0, tokenizer.padId());
    }

    @Test
    void emptyPromptIsStartEndAndPadding() {
        TokenizedBatch b = tokenizer.encode(List.of(""));
        long[] expectedIds = new long[77];
        expectedIds[0] = BOS;
        expectedIds[1] = EOS;
        assertArrayEquals(expectedIds, b.inputIds()[0]);
        long[] expectedMask = new long[77];
        expectedMask[0] = 1;
        expectedMask[1] = 1;
        assertArrayEquals(expectedMask, b.attentionMask()[0]);
        assertEquals(2, Arrays.stream(b.attentionMask()[0]).sum());
    }

    @Test
    void wordsMapToTheirVocabularyIds() {
        TokenizedBatch b = tokenizer.encode(List.of("a photo of a cat"));
        long[] row = b.inputIds()[0];
        assertArrayEquals(new long[] {BOS, A, PHOTO, OF, A, CAT, EOS}, Arrays.copyOf(row, 7));
        assertTrue(Arrays.stream(row, 7, 77).allMatch(id -> id == 0), "padded with 0 after the end token");
        long[] mask = b.attentionMask()[0];
        assertTrue(Arrays.stream(mask, 0, 7).allMatch(m -> m == 1));
        assertTrue(Arrays.stream(mask, 7, 77).allMatch(m -> m == 0));
    }

    @Test
    void padIdIsConfigurableAndTheMaskStillMarksTheRealTokensWhenPadEqualsEos() {
        try (ClipTokenizer eosPadded = ClipTokenizer.load(EmbeddedModels.defaultTokenizerDir(), EOS)) {
            assertEquals(EOS, eosPadded.padId());
            TokenizedBatch b = eosPadded.encode(List.of("a cat", ""));
            long[] row = b.inputIds()[0];
            assertArrayEquals(new long[] {BOS, A, CAT, EOS}, Arrays.copyOf(row, 4));
            assertTrue(Arrays.stream(row, 4, 77).allMatch(id -> id == EOS), "padded with 49407");
            long[] mask = b.attentionMask()[0];
            assertEquals(4, Arrays.stream(mask).sum(), "only start, a, cat and the first end token are real");
            assertTrue(Arrays.stream(mask, 0, 4).allMatch(m -> m == 1));
            // The empty prompt: all of 1..76 are 49407, yet only the first is a real token.
            assertTrue(Arrays.stream(b.inputIds()[1], 1, 77).allMatch(id -> id == EOS));
            assertEquals(2, Arrays.stream(b.attentionMask()[1]).sum());
        }
        try (ClipTokenizer other = ClipTokenizer.load(EmbeddedModels.defaultTokenizerDir(), 7)) {
            long[] row = other.encode(List.of("cat")).inputIds()[0];
            assertArrayEquals(new long[] {BOS, CAT, EOS, 7, 7}, Arrays.copyOf(row, 5));
            assertEquals(7, row[76]);
        }
    }

    @Test
    void longPromptsAreTruncatedTo77WithTheEndTokenLast() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sb.append("cat dog ");
        }
        String prompt = sb.toString(); // 100 tokens: cat, dog, cat, dog, ...
        TokenizedBatch b = tokenizer.encode(List.of(prompt));
        long[] row = b.inputIds()[0];
        assertEquals(77, row.length);
        assertEquals(77, b.attentionMask()[0].length);
        assertEquals(BOS, row[0]);
        assertEquals(EOS, row[76]);
        assertEquals(77, Arrays.stream(b.attentionMask()[0]).sum(), "no padding left");
        for (int i = 1; i <= 75; i++) {
            assertEquals(i % 2 == 1 ? CAT : DOG, row[i], "position " + i);
        }
        // 75 content tokens fit exactly; a 76th is dropped and the end token stays at position 76.
        String exactly75 = String.join(" ", java.util.Collections.nCopies(75, "cat"));
        long[] row75 = tokenizer.encode(List.of(exactly75)).inputIds()[0];
        assertEquals(CAT, row75[75]);
        assertEquals(EOS, row75[76]);
        String exactly76 = exactly75 + " dog";
        long[] row76 = tokenizer.encode(List.of(exactly76)).inputIds()[0];
        assertArrayEquals(row75, row76, "the 76th token is dropped, the end token kept");
    }

    @Test
    void truncationKeepsThePrefixOfTheFullEncoding() {
        // A prompt whose words split into several BPE pieces: the 75 kept tokens are the first 75 of its
        // untruncated encoding, whatever word boundary they cut.
        String words = "東京タワー naïve résumé über straße 🐱 ";
        String prompt = words.repeat(8);
        long[] one = content(words.strip());
        List<Long> full = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            for (long id : one) {
                full.add(id);
            }
        }
        assertTrue(full.size() > 75, "the prompt needs truncating: " + full.size());
        long[] row = tokenizer.encode(List.of(prompt)).inputIds()[0];
        for (int i = 0; i < 75; i++) {
            assertEquals(full.get(i), row[i + 1], "token " + i);
        }
        assertEquals(EOS, row[76]);
    }

    @Test
    void unicodeGoesThroughByteLevelBpe() {
        // OpenAI's reference BPE over vocab.json + merges.txt (see the class comment).
        assertArrayEquals(new long[] {15304}, content("café"));                 // "cafÃ©</w>"
        assertArrayEquals(new long[] {48338, 21078, 105, 34941, 2429, 107, 30391}, content("東京タワー"));
        assertArrayEquals(new long[] {22979, CAT}, content("🐱 cat"));
        assertArrayEquals(new long[] {1097, 35689, 563, 29106, 7054, 4166}, content("naïve résumé"));
        assertArrayEquals(new long[] {6522, 1516, 1894, 127, 253, 324}, content("über straße"));
    }

    @Test
    void composedAndDecomposedAccentsGiveTheSameIds() {
        String composed = "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e";
        String decomposed = "cafe\u0301 cre\u0300me bru\u0302le\u0301e";
        assertTrue(!composed.equals(decomposed));
        assertArrayEquals(content(composed), content(decomposed));
        assertArrayEquals(new long[] {4166}, content("e\u0301"), "NFC makes e + U+0301 the single é: \"Ã©</w>\"");
    }

    @Test
    void whitespaceRunsCollapseLikeASingleSpace() {
        long[] single = content("a red cat on a mat");
        assertArrayEquals(single, content("a   red\tcat\n\non \r\n a\u00a0 mat"));
        assertArrayEquals(single, content("  a red cat on a mat \t\n"), "leading and trailing whitespace vanish");
        assertArrayEquals(new long[] {A, RED, CAT, 525, A, 9063}, single); // "on</w>" 525, "mat</w>" 9063
    }

    @Test
    void textIsLowercased() {
        assertArrayEquals(content("the quick brown fox"), content("The Quick BROWN Fox"));
        assertArrayEquals(new long[] {CAT}, content("CAT"));
        assertArrayEquals(content("café"), content("CAFÉ"));
    }

    /**
     * Pinned behaviour: text that spells {@code <|endoftext|>} becomes the special id 49407, as transformers'
     * fast CLIP tokenizer does (the token is an added, normalised special token in tokenizer.json). The text
     * encoder pools at the FIRST 49407, so such a prompt's text_embeds come from that position; the mask
     * still counts it as a real token.
     */
    @Test
    void textSpellingTheEndTokenBecomesTheSpecialId() {
        TokenizedBatch b = tokenizer.encode(List.of("a <|endoftext|> b"));
        assertArrayEquals(new long[] {BOS, A, EOS, B, EOS, 0}, Arrays.copyOf(b.inputIds()[0], 6));
        assertEquals(5, Arrays.stream(b.attentionMask()[0]).sum());
        assertArrayEquals(new long[] {A, BOS, B}, content("a <|startoftext|> b"));
    }

    @Test
    void aBatchOfMixedLengthsEqualsOneByOne() {
        StringBuilder longPrompt = new StringBuilder();
        for (int i = 0; i < 90; i++) {
            longPrompt.append("red ");
        }
        List<String> prompts = List.of("a cat", "", longPrompt.toString(), "東京タワー 🐱", "A  RED\tcat", "x");
        TokenizedBatch batch = tokenizer.encode(prompts);
        assertEquals(prompts.size(), batch.size());
        for (int i = 0; i < prompts.size(); i++) {
            TokenizedBatch one = tokenizer.encode(List.of(prompts.get(i)));
            assertArrayEquals(one.inputIds()[0], batch.inputIds()[i], "ids of row " + i);
            assertArrayEquals(one.attentionMask()[0], batch.attentionMask()[i], "mask of row " + i);
        }
        assertEquals(0, tokenizer.encode(List.of()).size());
    }

    @Test
    void everyRowIsExactly77WithAMaskThatIsAPrefixOfOnes() {
        List<String> prompts = List.of("", "a", "a b c d e f g", "cat ".repeat(200));
        TokenizedBatch b = tokenizer.encode(prompts);
        for (int i = 0; i < prompts.size(); i++) {
            long[] mask = b.attentionMask()[i];
            assertEquals(77, b.inputIds()[i].length);
            int n = (int) LongStream.of(mask).sum();
            assertTrue(n >= 2 && n <= 77);
            for (int j = 0; j < 77; j++) {
                assertEquals(j < n ? 1 : 0, mask[j], "mask[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void missingTokenizerFileIsAModelExceptionNamingIt(@TempDir Path dir) {
        ModelException e = assertThrows(ModelException.class, () -> ClipTokenizer.load(dir, 0));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void malformedTokenizerFileIsAModelExceptionNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"version\": \"1.0\", \"model\": ");
        ModelException e = assertThrows(ModelException.class, () -> ClipTokenizer.load(dir, 0));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not a valid"), e.getMessage());
        // The file itself, not only its folder, is accepted as the path.
        ModelException direct = assertThrows(ModelException.class, () -> ClipTokenizer.load(file, 0));
        assertTrue(direct.getMessage().contains(file.toString()), direct.getMessage());
    }

    @Test
    void aTokenizerWithoutClipsSpecialTokensIsRefused(@TempDir Path dir) throws IOException {
        // A valid tokenizer.json, but a word-level one that knows neither <|startoftext|> nor <|endoftext|>.
        JsonObject json = JsonParser.parseString("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
                + "\"added_tokens\":[],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},"
                + "\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"WordLevel\","
                + "\"vocab\":{\"[UNK]\":0,\"cat\":1},\"unk_token\":\"[UNK]\"}}").getAsJsonObject();
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.toString(), StandardCharsets.UTF_8);
        ModelException e = assertThrows(ModelException.class, () -> ClipTokenizer.load(dir, 0));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("<|startoftext|>"), e.getMessage());
    }
}
