package dev.umbra.decoder.http;

import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.io.Images;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.circuitbreaker.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * A client of an external decoder service (a Kandinsky 2.2 or Karlo decoder on a GPU host, see
 * {@code deploy/decoder-server/}). One image per call: {@code POST endpoint} with a JSON body, a PNG back.
 *
 * <pre>
 * {"image_embeds": [E floats], "negative_image_embeds": [E floats] or null, "seed": long,
 *  "num_inference_steps": int, "guidance_scale": float, "width": int, "height": int}
 * -&gt; 200 image/png; 4xx: the request is wrong (not retried); 5xx or no answer in time: retried
 * </pre>
 *
 * <p>A request's own decoder options (steps, guidance, size) replace the client's defaults. Each call has its own
 * timeout; a failed call (5xx, connection error, timeout) is retried with exponential
 * backoff up to a bound; a circuit breaker opens after consecutive failures and fails calls at once, without
 * touching the service, until its reset time has passed; then one trial call closes it again on success.
 * Connections are pooled and kept alive. One client is shared by every decoder thread: it owns its Vert.x instance
 * and closes it.
 */
public final class HttpDecoderClient implements AutoCloseable {

    /**
     * @param endpoint        the service's URL
     * @param embeddingDim    E, the image embedding width the service takes
     * @param timeout         longest one call may take
     * @param maxRetries      retries of a failed call (0: none)
     * @param backoff         the first retry's delay; each later one doubles, with jitter, up to 16 times it
     * @param breakerFailures consecutive failed calls that open the breaker
     * @param breakerReset    how long the breaker stays open before a trial call
     * @param steps           num_inference_steps sent
     * @param guidance        guidance_scale sent
     * @param width           picture width asked for
     * @param height          picture height asked for
     * @param connections     most connections kept to the service
     */
    public record Settings(URI endpoint, int embeddingDim, Duration timeout, int maxRetries, Duration backoff,
                           int breakerFailures, Duration breakerReset, int steps, float guidance, int width,
                           int height, int connections) {
        public Settings {
            if (endpoint == null || endpoint.getHost() == null || !List.of("http", "https").contains(endpoint.getScheme())) {
                throw new IllegalArgumentException("the decoder endpoint must be an http(s) URL (got " + endpoint + ")");
            }
            if (embeddingDim < 1 || maxRetries < 0 || breakerFailures < 1 || steps < 1 || width < 1 || height < 1
                    || connections < 1 || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("invalid HTTP decoder settings: " + this);
            }
        }

        /** Kandinsky 2.2's defaults: E 1280, 50 steps, guidance 4, 768 x 768; 2 minutes a call, 2 retries. */
        public static Settings kandinsky(URI endpoint) {
            return new Settings(endpoint, 1280, Duration.ofMinutes(2), 2, Duration.ofMillis(500), 5,
                    Duration.ofSeconds(30), 50, 4f, 768, 768, 8);
        }
    }

    private final Settings settings;
    private final Vertx vertx;
    private final WebClient client;
    private final CircuitBreaker breaker;
    private final AtomicLong calls = new AtomicLong();

    private HttpDecoderClient(Settings settings, Vertx vertx, WebClient client, CircuitBreaker breaker) {
        this.settings = settings;
        this.vertx = vertx;
        this.client = client;
        this.breaker = breaker;
    }

    public static HttpDecoderClient start(Settings settings) {
        Vertx vertx = Vertx.vertx();
        WebClientOptions options = new WebClientOptions()
                .setKeepAlive(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()))
                .setUserAgent("umbra-decoder-client");
        WebClient client = WebClient.create(vertx, options, new PoolOptions().setHttp1MaxSize(settings.connections()));
        long backoff = Math.max(1, settings.backoff().toMillis());
        CircuitBreaker breaker = CircuitBreaker.create("umbra-http-decoder", vertx, new CircuitBreakerOptions()
                        .setMaxFailures(settings.breakerFailures())
                        .setTimeout(settings.timeout().toMillis())
                        .setResetTimeout(settings.breakerReset().toMillis())
                        .setMaxRetries(settings.maxRetries()))
                .retryPolicy(RetryPolicy.exponentialDelayWithJitter(backoff, 16 * backoff));
        return new HttpDecoderClient(settings, vertx, client, breaker);
    }

    /** A decoder for one pool thread: every thread shares this client; closing the decoder leaves it open. */
    public ImageDecoder decoder() {
        return new ImageDecoder() {
            @Override
            public List<DecodedImage> decode(List<DecodeRequest> requests) {
                return HttpDecoderClient.this.decode(requests);
            }

            @Override
            public int embeddingDim() {
                return settings.embeddingDim();
            }

            @Override
            public String identity() {
                return "http-decoder:" + settings.endpoint();
            }

            @Override
            public void close() {}
        };
    }

    /** The breaker's state: CLOSED, OPEN or HALF_OPEN. */
    public CircuitBreakerState state() {
        return breaker.state();
    }

    /** HTTP calls made (retries included; none while the breaker is open). */
    public long calls() {
        return calls.get();
    }

    /** Decodes the requests' images in parallel calls; fails with the first failure's reason. */
    public List<DecodedImage> decode(List<DecodeRequest> requests) {
        List<Future<DecodedImage>> futures = new ArrayList<>();
        for (DecodeRequest r : requests) {
            if (r.imageEmbedding().length != settings.embeddingDim()) {
                throw new IllegalArgumentException("the image embedding has " + r.imageEmbedding().length
                        + " values; the decoder at " + settings.endpoint() + " takes " + settings.embeddingDim());
            }
            futures.add(call(r));
        }
        List<DecodedImage> out = new ArrayList<>();
        // Each call is bounded by the breaker's timeout and retries; this wait only guards against a lost future.
        long waitMillis = settings.timeout().toMillis() * (settings.maxRetries() + 1) * 2 + 16 * settings.backoff()
                .toMillis() * (settings.maxRetries() + 1) + 10_000;
        for (Future<DecodedImage> f : futures) {
            try {
                out.add(f.toCompletionStage().toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS));
            } catch (ExecutionException e) {
                throw new DecoderServiceException(describe(e.getCause()), e.getCause());
            } catch (TimeoutException e) {
                throw new DecoderServiceException("no answer from " + settings.endpoint() + " in " + waitMillis
                        + " ms", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DecoderServiceException("interrupted while waiting for " + settings.endpoint(), e);
            }
        }
        return out;
    }

    private Future<DecodedImage> call(DecodeRequest r) {
        JsonObject body = new JsonObject()
                .put("image_embeds", toJson(r.imageEmbedding()))
                .put("negative_image_embeds", r.negativeEmbedding() == null ? null : toJson(r.negativeEmbedding()))
                .put("seed", r.seed())
                .put("num_inference_steps", r.options().steps() != null ? r.options().steps() : settings.steps())
                .put("guidance_scale", r.options().guidance() != null ? r.options().guidance() : settings.guidance())
                .put("width", r.options().width() != null ? r.options().width() : settings.width())
                .put("height", r.options().height() != null ? r.options().height() : settings.height());
        // A 4xx completes the guarded call successfully: it is the request's fault, so it neither counts against the
        // service nor is retried; it fails below, once.
        Future<HttpResponse<Buffer>> answered = breaker.execute(() -> {
            calls.incrementAndGet();
            return client.postAbs(settings.endpoint().toString())
                    .timeout(settings.timeout().toMillis())
                    .putHeader("Accept", "image/png")
                    .sendJsonObject(body)
                    .compose(response -> response.statusCode() >= 500
                            ? Future.failedFuture(new DecoderServiceException("HTTP " + response.statusCode() + ": "
                                    + snippet(response), null))
                            : Future.succeededFuture(response));
        });
        return answered.compose(response -> {
            if (response.statusCode() != 200) {
                return Future.failedFuture(new DecoderServiceException("refused with HTTP " + response.statusCode()
                        + ": " + snippet(response), null));
            }
            try {
                return Future.succeededFuture(toImage(response.body()));
            } catch (IOException | RuntimeException e) {
                return Future.failedFuture(new DecoderServiceException("the answer is not a PNG: " + e.getMessage(), e));
            }
        });
    }

    private static DecodedImage toImage(Buffer body) throws IOException {
        if (body == null) {
            throw new IOException("empty body");
        }
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(body.getBytes()));
        if (image == null) {
            throw new IOException(body.length() + " bytes that ImageIO cannot read");
        }
        return new DecodedImage(image.getWidth(), image.getHeight(), Images.toRgb(image));
    }

    private String describe(Throwable e) {
        String where = "the decoder at " + settings.endpoint();
        if (e instanceof OpenCircuitException) {
            return where + " is failing: its circuit breaker is open after " + settings.breakerFailures()
                    + " failures in a row; calls resume after " + settings.breakerReset().toMillis() + " ms";
        }
        // The breaker's own timeout, or the web client's (a java.util.concurrent.TimeoutException).
        if (e instanceof io.vertx.circuitbreaker.TimeoutException || e instanceof TimeoutException) {
            return where + " did not answer within " + settings.timeout().toMillis() + " ms (after "
                    + settings.maxRetries() + " retries)";
        }
        return where + " failed (after up to " + settings.maxRetries() + " retries): " + (e == null ? "?"
                : e.getMessage() == null ? e.toString() : e.getMessage());
    }

    private static String snippet(HttpResponse<Buffer> response) {
        String text = response.body() == null ? "" : response.bodyAsString();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static JsonArray toJson(float[] values) {
        JsonArray a = new JsonArray();
        for (float v : values) {
            a.add(v);
        }
        return a;
    }

    @Override
    public void close() {
        breaker.close();
        client.close();
        vertx.close().await();
    }
}
