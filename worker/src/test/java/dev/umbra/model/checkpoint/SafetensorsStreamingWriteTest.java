package dev.umbra.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.checkpoint.SafetensorsWriter.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming form of {@link SafetensorsWriter}: tensors larger than one chunk are written in pieces and read
 * back unchanged, each tensor is asked for and handed back once, in order, and its bytes equal those of the
 * map form, which writes through the same path.
 */
class SafetensorsStreamingWriteTest {

    @TempDir
    Path tmp;

    private NDManager manager;

    @BeforeEach
    void open() {
        DjlRuntime.ensureOffline();
        manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void tensorsLargerThanAChunkRoundTripInEveryType() throws IOException {
        long big = 3 * (SafetensorsWriter.CHUNK_ELEMENTS * 2 / 3 + 1);  // two whole chunks and one element more
        NDArray large = manager.arange(0f, (float) big).div(1000f).reshape(new Shape(3, big / 3));
        NDArray small = manager.create(new float[] {1.5f, -2.25f, 3f});
        for (TensorType type : new TensorType[] {TensorType.F32, TensorType.F16, TensorType.BF16}) {
            Path file = tmp.resolve("stream-" + type + ".safetensors");
            AtomicInteger handedBack = new AtomicInteger();
            List<TensorSpec> specs = List.of(new TensorSpec("large", large.getShape(), type),
                    new TensorSpec("small", small.getShape(), type));
            SafetensorsWriter.write(file, specs, new SafetensorsWriter.TensorSource() {
                @Override
                public NDArray values(TensorSpec spec) {
                    assertEquals(specs.get(handedBack.get()).name(), spec.name(), "asked in order, one at a time");
                    return spec.name().equals("large") ? large : small;
                }

                @Override
                public void written(TensorSpec spec, NDArray values) {
                    handedBack.incrementAndGet();
                }
            });
            assertEquals(2, handedBack.get());
            Checkpoint checkpoint = Checkpoint.open(tmp, file.getFileName().toString());
            assertEquals(type, checkpoint.entries().get("large").type());
            assertArrayEquals(new long[] {3, big / 3}, checkpoint.entries().get("large").shape());
            float[] want = large.toType(DataType.FLOAT32, false).toFloatArray();
            float[] got = checkpoint.load("large", manager).toType(DataType.FLOAT32, false).toFloatArray();
            double tolerance = type == TensorType.F32 ? 0 : type == TensorType.F16 ? 1e-3 : 8e-3;  // relative
            for (int i = 0; i < want.length; i += 9973) {
                assertEquals(want[i], got[i], tolerance * Math.abs(want[i]) + 1e-7, type + " element " + i);
            }
            assertEquals(want[want.length - 1], got[got.length - 1], tolerance * Math.abs(want[want.length - 1]));
            assertArrayEquals(small.toFloatArray(), checkpoint.load("small", manager).toType(DataType.FLOAT32, false)
                    .toFloatArray(), 0f, type.toString());
        }
    }

    @Test
    void streamingAndMapFormsWriteTheSameBytes() throws IOException {
        NDArray a = manager.randomNormal(new Shape(SafetensorsWriter.CHUNK_ELEMENTS + 17));
        NDArray b = manager.create(new long[] {1, 2, 3});
        Map<String, NDArray> map = new LinkedHashMap<>();
        map.put("a", a);
        map.put("ids", b);
        Path viaMap = tmp.resolve("map.safetensors");
        SafetensorsWriter.write(viaMap, map, TensorType.F16);
        Path viaStream = tmp.resolve("stream.safetensors");
        SafetensorsWriter.write(viaStream, List.of(new TensorSpec("a", a.getShape(), TensorType.F16),
                new TensorSpec("ids", b.getShape(), TensorType.I64)), spec -> map.get(spec.name()));
        assertArrayEquals(Files.readAllBytes(viaMap), Files.readAllBytes(viaStream));
        assertTrue(Files.size(viaMap) > (SafetensorsWriter.CHUNK_ELEMENTS + 17) * 2);
    }

    @Test
    void aTensorOfTheWrongSizeIsRefused() {
        NDArray wrong = manager.zeros(new Shape(4));
        Path file = tmp.resolve("wrong.safetensors");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(file,
                List.of(new TensorSpec("w", new Shape(2, 3), TensorType.F32)), spec -> wrong));
        assertTrue(e.getMessage().contains("w: (4) given for (2, 3)"), e.getMessage());
    }
}
