package dev.umbra.http.gallery;

import dev.umbra.io.Bytes;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live gallery's data: reads the results topic (every worker's answers, not only this one's) and the prompts topic
 * (for the prompts' text), keeps the latest {@link #KEEP} results with their pictures, and streams each new one to the
 * connected pages as a server-sent event. It reads only while a page is connected, from the end: a worker nobody
 * watches does not read its cluster's pictures. Prompts submitted from the page are published to the prompts topic
 * like any other request. Runs on one event loop; no locks.
 */
public final class Gallery implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gallery.class);
    static final int KEEP = 48;
    private static final int PROMPTS_KEPT = 10_000;
    public static final int MAX_PROMPT_CHARS = 2_000;
    public static final int MAX_IMAGES = 8;

    private final Vertx vertx;
    private final WorkerConfig config;
    private final EventCodec codec = new EventCodec();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Set<HttpServerResponse> streams = new HashSet<>();
    private final Deque<Item> recent = new ArrayDeque<>();
    private final Map<String, String> prompts = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > PROMPTS_KEPT;
        }
    };
    private Set<TopicPartition> partitions = Set.of();
    private Future<Void> assigning;
    private boolean reading;
    private boolean live;
    private final long heartbeatTimer;

    /** A result as the page shows it, with its pictures' bytes when they came inline. */
    record Item(String requestId, JsonObject json, List<byte[]> pngs, List<String> uris) {}

    private Gallery(Vertx vertx, WorkerConfig config) {
        this.vertx = vertx;
        this.config = config;
        Map<String, String> c = new HashMap<>(config.kafkaPropertiesFor("consumer"));
        c.put("bootstrap.servers", config.bootstrapServers());
        c.put("client.id", config.clientId() + "-gallery");
        c.put("enable.auto.commit", "false");
        c.put("auto.offset.reset", "latest");
        c.remove("group.id"); // assigned, not subscribed: no group, no commits
        c.put("default.api.timeout.ms", "10000"); // finding partitions must not hold the consumer's thread a minute
        consumer = KafkaConsumer.create(vertx, c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Map<String, String> p = new HashMap<>(config.kafkaPropertiesFor("producer"));
        p.put("bootstrap.servers", config.bootstrapServers());
        p.put("client.id", config.clientId() + "-gallery");
        p.put("acks", "all");
        producer = KafkaProducer.create(vertx, p, new ByteArraySerializer(), new ByteArraySerializer());
        // Proxies close idle streams; a comment every 15 s keeps them open.
        heartbeatTimer = vertx.setPeriodic(15_000, t -> streams.forEach(r -> r.write(": keep-alive\n\n")));
    }

    /**
     * Makes the gallery's clients. It finds the topics' partitions in the background (the HTTP server must not wait
     * for a broker that may be down: health reports that) and starts reading once a page connects.
     */
    public static Gallery start(Vertx vertx, WorkerConfig config) {
        Gallery gallery = new Gallery(vertx, config);
        gallery.consumer.handler(gallery::onRecord);
        gallery.consumer.exceptionHandler(e -> LOG.warn("gallery consumer: {}", e.toString()));
        gallery.assign();
        return gallery;
    }

    /** Assigns every partition of the results and prompts topics, paused; retried by the next page if it fails. */
    private Future<Void> assign() {
        if (assigning != null) {
            return assigning;
        }
        List<String> topics = List.of(config.resultsTopic(), config.promptsTopic());
        List<Future<Void>> found = new ArrayList<>();
        Set<TopicPartition> all = new HashSet<>();
        for (String topic : topics) {
            found.add(consumer.partitionsFor(topic).map(infos -> {
                infos.forEach(i -> all.add(new TopicPartition(topic, i.getPartition())));
                return null;
            }));
        }
        Future<Void> a = Future.all(found).compose(v -> {
            if (all.isEmpty()) {
                return Future.failedFuture("topics " + topics + " not found");
            }
            partitions = Set.copyOf(all);
            return consumer.assign(partitions);
        }).compose(v -> consumer.pause(partitions)).onSuccess(v -> readWhileWatched()).onFailure(e -> {
            LOG.warn("gallery: cannot read {} yet (retried when a page connects): {}", topics, e.toString());
            assigning = null;
        });
        assigning = a.failed() ? null : a;
        return a;
    }

    /** {@code GET /events}: the latest results, then each new one, as server-sent events. */
    public void stream(HttpServerResponse response) {
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write("retry: 2000\n\n");
        recent.descendingIterator().forEachRemaining(item -> send(response, item));
        if (live) {
            sendReady(response);
        }
        streams.add(response);
        response.closeHandler(v -> {
            streams.remove(response);
            readWhileWatched();
        });
        assign();
        readWhileWatched();
    }

    /** {@code POST /api/prompts}: publishes a request from the page; completes with its request id. */
    public Future<String> submit(JsonObject body) {
        String prompt = body.getString("prompt", "").strip();
        int images = body.getInteger("num_images", 1);
        if (prompt.isEmpty()) {
            return Future.failedFuture(new IllegalArgumentException("prompt is empty"));
        }
        if (prompt.length() > MAX_PROMPT_CHARS) {
            return Future.failedFuture(new IllegalArgumentException(
                    "prompt has " + prompt.length() + " characters; at most " + MAX_PROMPT_CHARS));
        }
        if (images < 1 || images > MAX_IMAGES) {
            return Future.failedFuture(new IllegalArgumentException(
                    "num_images must be between 1 and " + MAX_IMAGES + " (got " + images + ")"));
        }
        String id = "gallery-" + UUID.randomUUID();
        PromptRequest request = PromptRequest.newBuilder()
                .setRequestId(id)
                .setPrompt(prompt)
                .setNumImages(images)
                .setSeed(ThreadLocalRandom.current().nextLong(1L << 31))
                .setCreatedAt(Instant.now())
                .setMetadata(Map.of("source", "umbra gallery"))
                .build();
        prompts.put(id, prompt);
        return producer.send(KafkaProducerRecord.create(config.promptsTopic(), id.getBytes(StandardCharsets.UTF_8),
                codec.encode(request))).map(m -> id);
    }

    /** {@code GET /images/REQUEST/INDEX.png}: a kept result's picture (inline, or a file the store wrote). */
    public Optional<Buffer> image(String requestId, int index) {
        for (Item item : recent) {
            if (item.requestId().equals(requestId) && index >= 0 && index < item.pngs().size()) {
                byte[] png = item.pngs().get(index);
                if (png != null) {
                    return Optional.of(Buffer.buffer(png));
                }
                String uri = item.uris().get(index);
                if (uri != null && uri.startsWith("file:")) {
                    try {
                        return Optional.of(Buffer.buffer(Files.readAllBytes(Path.of(URI.create(uri)))));
                    } catch (Exception e) {
                        LOG.debug("gallery image {} unreadable: {}", uri, e.toString());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private void readWhileWatched() {
        if (partitions.isEmpty()) {
            return; // not assigned yet: assign() comes back here
        }
        boolean watched = !streams.isEmpty();
        if (watched == reading) {
            return;
        }
        reading = watched;
        if (watched) {
            // From the end: what was published while nobody watched is not replayed. The seek is lazy: asking the
            // positions fixes them now, so that what is published after the pages hear "ready" is not skipped.
            consumer.seekToEnd(partitions)
                    .compose(v -> Future.all(partitions.stream().map(consumer::position).toList()))
                    .compose(v -> consumer.resume(partitions))
                    .onSuccess(v -> {
                        live = true;
                        streams.forEach(Gallery::sendReady);
                    })
                    .onFailure(e -> LOG.warn("gallery: resuming failed: {}", e.toString()));
        } else {
            live = false;
            consumer.pause(partitions).onFailure(e -> LOG.debug("gallery: pausing failed: {}", e.toString()));
        }
    }

    private void onRecord(KafkaConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.topic().equals(config.promptsTopic())) {
                PromptRequest request = codec.decodePromptRequest(record.value());
                prompts.put(request.getRequestId().toString(), request.getPrompt().toString());
                return;
            }
            Item item = item(codec.decodeImageResult(record.value()));
            recent.addFirst(item);
            while (recent.size() > KEEP) {
                recent.removeLast();
            }
            streams.forEach(r -> send(r, item));
        } catch (RuntimeException e) {
            // Not ours to judge: the worker dead-letters bad prompts; the page skips what it cannot read.
            LOG.warn("gallery skipped {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    private Item item(ImageResult r) {
        String id = r.getRequestId().toString();
        JsonArray images = new JsonArray();
        List<byte[]> pngs = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        for (GeneratedImage image : r.getImages()) {
            byte[] png = image.getImage() == null ? null : Bytes.of(image.getImage());
            String uri = image.getImageUri() == null ? null : image.getImageUri().toString();
            pngs.add(png);
            uris.add(uri);
            String url = png != null || (uri != null && uri.startsWith("file:"))
                    ? "/images/" + id + "/" + (pngs.size() - 1) + ".png" : uri;
            images.add(new JsonObject().put("index", image.getIndex()).put("url", url)
                    .put("width", image.getWidth()).put("height", image.getHeight())
                    .put("alignment", image.getTextImageAlignment()));
        }
        JsonObject t = new JsonObject();
        var timings = r.getTimings();
        if (timings != null) {
            t.put("batch_wait_ms", timings.getBatchWaitMs()).put("prior_ms", timings.getPriorMs())
                    .put("decode_ms", timings.getDecodeMs()).put("end_to_end_ms", timings.getEndToEndMs());
        }
        JsonObject json = new JsonObject()
                .put("request_id", id)
                .put("prompt", prompts.get(id))
                .put("status", r.getStatus().name())
                .put("error_code", r.getErrorCode() == null ? null : r.getErrorCode().toString())
                .put("error_message", r.getErrorMessage() == null ? null : r.getErrorMessage().toString())
                .put("worker_id", r.getWorkerId().toString())
                .put("batch_size", r.getBatchSize())
                .put("completed_at", r.getCompletedAt().toString())
                .put("timings", t)
                .put("images", images);
        if (r.getDiversity() != null) {
            json.put("diversity", new JsonObject()
                    .put("mean_pairwise_cosine_distance", r.getDiversity().getMeanPairwiseCosineDistance())
                    .put("vendi_score", r.getDiversity().getVendiScore())
                    .put("basis", String.valueOf(r.getDiversity().getBasis())));
        }
        return new Item(id, json, pngs, uris);
    }

    /** Tells a page that the gallery reads the topics: from now on nothing published is missed. */
    private static void sendReady(HttpServerResponse response) {
        response.write("event: ready\ndata: {}\n\n");
    }

    private static void send(HttpServerResponse response, Item item) {
        response.write("event: result\ndata: " + item.json().encode() + "\n\n");
    }

    @Override
    public void close() {
        vertx.cancelTimer(heartbeatTimer);
        streams.forEach(r -> r.end().onFailure(e -> { }));
        streams.clear();
        consumer.close();
        producer.close();
    }
}
