package dev.umbra.decoder.torchscript;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.model.ModelException;
import dev.umbra.model.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken export folder fails at load with one line naming the file and what is wrong. */
class TorchScriptDecoderFilesTest {

    static final RuntimeOptions CPU = new RuntimeOptions("cpu", "auto", 0);

    @TempDir
    Path temp;

    private String loadFailure(Path dir) {
        ModelException e = assertThrows(ModelException.class, () -> TorchScriptDecoder.load(dir, CPU).close());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private Path copy() throws Exception {
        return TinyExport.copyTo(temp.resolve("export"));
    }

    private static void edit(Path dir, String from, String to) throws Exception {
        Path json = dir.resolve(TorchScriptDecoderConfig.FILE);
        String text = Files.readString(json);
        assertTrue(text.contains(from), from);
        Files.writeString(json, text.replace(from, to));
    }

    @Test
    void aMissingFolderOrFile() throws Exception {
        String m = loadFailure(temp.resolve("nowhere"));
        assertTrue(m.endsWith("nowhere: TorchScript decoder folder not found"), m);
        Path dir = copy();
        Files.delete(dir.resolve("unet.pt"));
        m = loadFailure(dir);
        assertTrue(m.contains("unet.pt: file not found"), m);
        Files.delete(dir.resolve("decoder.json"));
        m = loadFailure(dir);
        assertTrue(m.contains("decoder.json: file not found"), m);
    }

    @Test
    void aCorruptTorchScriptFile() throws Exception {
        Path dir = copy();
        Files.writeString(dir.resolve("movq.pt"), "not a zip archive", StandardCharsets.UTF_8);
        String m = loadFailure(dir);
        assertTrue(m.contains("movq.pt: cannot load as TorchScript"), m);
    }

    @Test
    void aTruncatedTorchScriptFile() throws Exception {
        Path dir = copy();
        byte[] bytes = Files.readAllBytes(dir.resolve("unet.pt"));
        Files.write(dir.resolve("unet.pt"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        String m = loadFailure(dir);
        assertTrue(m.contains("unet.pt: cannot load as TorchScript"), m);
    }

    @Test
    void aConfigThatDoesNotMatchTheFiles() throws Exception {
        Path dir = copy();
        edit(dir, "\"embedding_dim\": 64", "\"embedding_dim\": 32");
        String m = loadFailure(dir);
        assertTrue(m.contains("do not run on inputs shaped as decoder.json says") && m.contains("image_embeds [1, 32]"),
                m);
        edit(dir, "\"embedding_dim\": 32", "\"embedding_dim\": 64");
        edit(dir, "\"unet_out_channels\": 8,\n  \"learned_variance\": true", "\"unet_out_channels\": 4,\n"
                + "  \"learned_variance\": false");
        m = loadFailure(dir);
        assertTrue(m.contains("unet.pt: gives (1, 8, 8, 8)") && m.contains("decoder.json says (1, 4, 8, 8)"), m);
    }

    @Test
    void aMalformedOrUnsupportedConfig() throws Exception {
        Path dir = copy();
        edit(dir, "\"beta_schedule\": \"linear\"", "\"beta_schedule\": \"sigmoid\"");
        String m = loadFailure(dir);
        assertTrue(m.contains("scheduler.beta_schedule = sigmoid is not supported"), m);
        edit(dir, "\"sigmoid\"", "\"linear\"");
        edit(dir, "\"thresholding\": false", "\"thresholding\": true");
        m = loadFailure(dir);
        assertTrue(m.contains("scheduler.thresholding = true is not supported"), m);
        edit(dir, "\"thresholding\": true", "\"thresholding\": false");
        edit(dir, "\"width\": 64", "\"width\": 100");
        m = loadFailure(dir);
        assertTrue(m.contains("decoder.json: the default size 100x64 is not a multiple of size_multiple 64"), m);
        edit(dir, "\"width\": 100", "\"width\": 64");
        edit(dir, "\"learned_variance\": true", "\"learned_variance\": false");
        m = loadFailure(dir);
        assertTrue(m.contains("learned_variance disagrees with unet_out_channels 8"), m);
        Files.writeString(dir.resolve("decoder.json"), "{\"format\": ");
        m = loadFailure(dir);
        assertTrue(m.contains("decoder.json: malformed JSON"), m);
        Files.writeString(dir.resolve("decoder.json"), "{\"format\": \"something-else\"}");
        m = loadFailure(dir);
        assertTrue(m.contains("format = something-else is not supported"), m);
    }

    @Test
    void anUnconditionalEmbeddingOfTheWrongSize() throws Exception {
        Path dir = copy();
        edit(dir, "\"sampler\": \"ddpm\"", "\"sampler\": \"ddpm\",\n  \"unconditional_embedding\": \"uncond.npy\"");
        dev.umbra.io.Npy.write(dir.resolve("uncond.npy"), new float[][] {new float[10]});
        String m = loadFailure(dir);
        assertTrue(m.contains("uncond.npy: shape [1, 10], expected [64]"), m);
    }
}
