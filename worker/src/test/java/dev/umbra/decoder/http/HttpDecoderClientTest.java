package dev.umbra.decoder.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.decoder.pool.DecoderPool;
import dev.umbra.decoder.pool.DecoderPools;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.io.Images;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP decoder against a small decoder service started on loopback: the protocol, and the timeout, retry,
 * breaker-open and recovery paths. The service paints a 2x3 picture whose color is the seed, after whatever
 * misbehaviour the test sets: a delay, an error status, for the next N calls.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HttpDecoderClientTest {

    private Vertx vertx;
    private HttpServer server;
    private URI endpoint;
    private final ConcurrentLinkedQueue<JsonObject> seen = new ConcurrentLinkedQueue<>();
    private final AtomicInteger hits = new AtomicInteger();
    private final AtomicInteger misbehaveFor = new AtomicInteger();
    private final AtomicInteger status = new AtomicInteger(500);
    private final AtomicReference<Long> delayMillis = new AtomicReference<>(0L);

    @BeforeEach
    void startService() {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            hits.incrementAndGet();
            JsonObject json = body.toJsonObject();
            seen.add(json);
            boolean misbehave = misbehaveFor.getAndDecrement() > 0;
            long delay = misbehave ? delayMillis.get() : 0;
            Runnable answer = () -> {
                if (misbehave && delay == 0) {
                    request.response().setStatusCode(status.get()).end("the GPU is on fire");
                    return;
                }
                int v = (int) (json.getLong("seed") & 0xFFFFFF);
                BufferedImage image = new BufferedImage(2, 3, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 2; x++) {
                        image.setRGB(x, y, v);
                    }
                }
                request.response().putHeader("Content-Type", "image/png").end(Buffer.buffer(Images.png(image)));
            };
            if (delay > 0) {
                vertx.setTimer(delay, t -> answer.run());
            } else {
                answer.run();
            }
        })).listen(0, "127.0.0.1").await();
        endpoint = URI.create("http://127.0.0.1:" + server.actualPort() + "/decode");
    }

    @AfterEach
    void stopService() {
        vertx.close().await();
    }

    private HttpDecoderClient client(Duration timeout, int retries, int breakerFailures, Duration reset) {
        return HttpDecoderClient.start(new HttpDecoderClient.Settings(endpoint, 4, timeout, retries,
                Duration.ofMillis(20), breakerFailures, reset, 25, 4.5f, 2, 3, 4));
    }

    private static DecodeRequest request(long seed) {
        return new DecodeRequest(new float[] {0.5f, -1f, 2f, 0f}, new float[] {0, 0, 1, 0}, seed);
    }

    private static int pixel(DecodedImage image) {
        return image.rgb()[0] & 0xFFFFFF;
    }

    @Test
    void decodesEachImageInItsOwnCallWithTheProtocolsFields() {
        try (HttpDecoderClient client = client(Duration.ofSeconds(5), 0, 5, Duration.ofSeconds(5))) {
            ImageDecoder decoder = client.decoder();
            List<DecodedImage> images = decoder.decode(List.of(request(0x112233), request(0x445566)));
            assertEquals(List.of(0x112233, 0x445566), images.stream().map(HttpDecoderClientTest::pixel).toList());
            assertEquals(2, images.get(0).width());
            assertEquals(3, images.get(0).height());
            assertEquals(2, hits.get());
            JsonObject body = seen.stream().filter(j -> j.getLong("seed") == 0x112233).findFirst().orElseThrow();
            assertEquals(List.of(0.5, -1.0, 2.0, 0.0), body.getJsonArray("image_embeds").getList());
            assertEquals(List.of(0.0, 0.0, 1.0, 0.0), body.getJsonArray("negative_image_embeds").getList());
            assertEquals(25, body.getInteger("num_inference_steps"));
            assertEquals(4.5, body.getDouble("guidance_scale"), 1e-6);
            assertEquals(2, body.getInteger("width"));
            assertEquals(3, body.getInteger("height"));
            assertTrue(decoder.identity().contains(endpoint.toString()));
        }
    }

    @Test
    void aRequestsOwnDecoderOptionsReplaceTheDefaults() {
        try (HttpDecoderClient client = client(Duration.ofSeconds(5), 0, 5, Duration.ofSeconds(5))) {
            client.decode(List.of(new DecodeRequest(new float[] {1, 2, 3, 4}, null, 5,
                    new dev.umbra.decoder.DecodeOptions(12, 7.5f, null, 64))));
            JsonObject body = seen.peek();
            assertEquals(12, body.getInteger("num_inference_steps"));
            assertEquals(7.5, body.getDouble("guidance_scale"), 1e-6);
            assertEquals(2, body.getInteger("width"), "the client's default where the request has none");
            assertEquals(64, body.getInteger("height"));
            assertEquals(null, body.getValue("negative_image_embeds"));
        }
    }

    @Test
    void aCallThatTimesOutIsRetriedAndSucceeds() {
        misbehaveFor.set(1);
        delayMillis.set(3000L);
        try (HttpDecoderClient client = client(Duration.ofMillis(400), 2, 5, Duration.ofSeconds(5))) {
            DecodedImage image = client.decode(List.of(request(7))).get(0);
            assertEquals(7, pixel(image));
            assertEquals(2, client.calls(), "one timed out, the retry answered");
        }
    }

    @Test
    void retriesAreBoundedAndTheReasonIsGiven() {
        misbehaveFor.set(100);
        status.set(503);
        try (HttpDecoderClient client = client(Duration.ofSeconds(5), 2, 50, Duration.ofSeconds(5))) {
            DecoderServiceException e = assertThrows(DecoderServiceException.class,
                    () -> client.decode(List.of(request(1))));
            assertEquals(3, client.calls(), "the first call and 2 retries");
            assertTrue(e.getMessage().contains("HTTP 503") && e.getMessage().contains("the GPU is on fire"),
                    e.getMessage());
        }
    }

    @Test
    void aRefusalIsNotRetried() {
        misbehaveFor.set(1);
        status.set(422);
        try (HttpDecoderClient client = client(Duration.ofSeconds(5), 3, 5, Duration.ofSeconds(5))) {
            DecoderServiceException e = assertThrows(DecoderServiceException.class,
                    () -> client.decode(List.of(request(1))));
            assertEquals(1, client.calls());
            assertTrue(e.getMessage().contains("refused with HTTP 422"), e.getMessage());
            assertEquals(CircuitBreakerState.CLOSED, client.state(), "a refusal says nothing of the service's health");
        }
    }

    @Test
    void theBreakerOpensFailsFastAndClosesWhenTheServiceRecovers() throws Exception {
        misbehaveFor.set(1000);
        status.set(500);
        try (HttpDecoderClient client = client(Duration.ofSeconds(5), 0, 3, Duration.ofMillis(800))) {
            for (int i = 0; i < 3; i++) {
                assertThrows(DecoderServiceException.class, () -> client.decode(List.of(request(1))));
            }
            assertEquals(CircuitBreakerState.OPEN, client.state());
            int before = hits.get();
            DecoderServiceException open = assertThrows(DecoderServiceException.class,
                    () -> client.decode(List.of(request(2))));
            assertTrue(open.getMessage().contains("circuit breaker is open"), open.getMessage());
            assertEquals(before, hits.get(), "an open breaker does not call the service");

            misbehaveFor.set(0);   // the service recovers
            // After the reset time the breaker turns half-open: the next call is the trial.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (client.state() != CircuitBreakerState.HALF_OPEN) {
                assertTrue(System.nanoTime() < deadline, "the breaker never turned half-open: " + client.state());
                Thread.sleep(10);
            }
            assertEquals(9, pixel(client.decode(List.of(request(9))).get(0)));
            assertEquals(CircuitBreakerState.CLOSED, client.state());
        }
    }

    @Test
    void aDecoderPoolOfTwoThreadsSharesOneClientAndClosesIt() throws Exception {
        DecoderOptions options = new DecoderOptions(DecoderOptions.HTTP, 2, 8, 8, 1, 1, endpoint, Duration.ofSeconds(5));
        DecoderPool pool = DecoderPools.open(options, java.nio.file.Path.of("no-model-needed"),
                new RuntimeOptions("cpu", "auto", 0), 16, 4).orElseThrow();
        try (pool) {
            var a = pool.submit(List.of(request(3), request(4)));
            var b = pool.submit(List.of(request(5)));
            assertEquals(List.of(3, 4), a.get(30, TimeUnit.SECONDS).stream().map(HttpDecoderClientTest::pixel).toList());
            assertEquals(5, pixel(b.get(30, TimeUnit.SECONDS).get(0)));
            assertTrue(pool.identity().startsWith("http-decoder:"), pool.identity());
        }
        assertEquals(3, hits.get());
    }

    @Test
    void anEmbeddingOfTheWrongWidthIsRefusedBeforeAnyCall() {
        try (HttpDecoderClient client = client(Duration.ofSeconds(5), 0, 5, Duration.ofSeconds(5))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> client.decode(List.of(new DecodeRequest(new float[] {1, 2}, null, 1))));
            assertTrue(e.getMessage().contains("has 2 values") && e.getMessage().contains("takes 4"), e.getMessage());
            assertEquals(0, hits.get());
        }
    }
}
