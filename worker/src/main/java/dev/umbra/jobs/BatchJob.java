package dev.umbra.jobs;

import dev.umbra.io.OutputFolder;
import dev.umbra.io.PromptsFile;
import dev.umbra.io.UsageException;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.kafka.demo.AvroJson;
import dev.umbra.kafka.demo.DemoPictures;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.EventDecodeException;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code batch}: every line of a prompts file through a worker, each line's result into {@code DIR/results.jsonl}
 * and its pictures into {@code DIR/images/<request>/<index>.png}; resumable, so that a directory ends with exactly one
 * result per line however often a run is stopped.
 *
 * <p>How a rerun knows what is done: request ids are the job id and the line number ({@code JOB-000042}), and
 * {@code results.jsonl} is the record of what is done (one line per id, the first result wins). Results that arrived
 * while no run was up are still on the results topic: the consumer reads from offsets committed under the job's own
 * group ({@code umbra-batch-JOB}), committed only after the lines they carried were written, so nothing read is lost
 * and nothing unread is skipped. A rerun first reads up to the topic's end, then sends only the lines still without a
 * result; a request that was in flight when the last run stopped may then be answered twice, and the second answer is
 * dropped and counted. Partitions are assigned, not subscribed, so no rebalance delays the start; a lock file keeps two
 * runs out of one directory.
 */
public final class BatchJob {

    private static final long PROGRESS_MILLIS = 1000;
    /** Requests sent between two polls of the results, so that progress and results keep flowing on a long file. */
    private static final int SEND_CHUNK = 500;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long SHUTDOWN_WAIT_SECONDS = 15;

    private final BatchJobOptions options;
    private final PrintWriter out;
    private final PrintWriter err;
    private volatile boolean stopRequested;

    public BatchJob(BatchJobOptions options, PrintWriter out, PrintWriter err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    /** Runs the job to its end, an idle timeout or Ctrl-C, and prints the summary; the report says what is missing. */
    public BatchReport run() throws Exception {
        List<String> prompts = PromptsFile.readForCommand(options.promptsFile());
        String sha256 = sha256(options.promptsFile());
        Path dir = OutputFolder.prepare(options.outDir());
        CountDownLatch finished = new CountDownLatch(1);
        // Ctrl-C: stop sending, commit what was written, print where the job stands.
        Thread hook = new Thread(() -> {
            stopRequested = true;
            try {
                finished.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "umbra-batch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock lock = tryLock(lockFile, dir)) {
            JobManifest job = manifest(dir, sha256, prompts.size());
            try (ResultsFile results = ResultsFile.open(dir.resolve(ResultsFile.FILE_NAME))) {
                if (results.repair() != null) {
                    say("%s: %s", ResultsFile.FILE_NAME, results.repair());
                }
                removeUnfinishedPictures(dir.resolve("images"));
                return runJob(job, prompts, results);
            }
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is running
            }
        }
    }

    private BatchReport runJob(JobManifest job, List<String> prompts, ResultsFile results) throws Exception {
        Session session = new Session(job, prompts, results);
        say("job %s: %d lines, %d image(s) each, seed %d; %d already have a result", job.jobId(), job.lines(),
                job.images(), job.seed(), session.doneBefore);
        if (session.remaining() == 0) {
            return print(session.report(System.nanoTime()));   // nothing to do: no broker, no model
        }
        if (options.bootstrapServers() != null) {
            return print(session.process(options.bootstrapServers()));
        }
        say("starting an embedded Kafka broker and a worker on the default model '%s'",
                EmbeddedModels.DEFAULT_MODEL_NAME);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(Map.of(options.promptsTopic(), 2, options.resultsTopic(), 1,
                    WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, 1));
            WorkerConfig config = WorkerConfig.builder(broker.bootstrapServers()).workerId("batch-worker")
                    .promptsTopic(options.promptsTopic()).resultsTopic(options.resultsTopic()).build();
            try (EmbeddedWorker worker = EmbeddedWorker.start(config, options.decode())) {
                return print(session.process(broker.bootstrapServers()));   // before the slow part: stopping them
            }
        }
    }

    /** One run over the job: what was done before, what this run sent, read and wrote. Used by the job's thread only. */
    private final class Session {

        private final JobManifest job;
        private final List<String> prompts;
        private final ResultsFile results;
        private final int doneBefore;
        private final DemoPictures pictures;
        private final EventCodec codec = new EventCodec();
        private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
        private int answered;
        private int caughtUp;
        private int submitted;
        private long duplicates;
        private long firstSendNanos;
        private long lastResultNanos;

        Session(JobManifest job, List<String> prompts, ResultsFile results) {
            this.job = job;
            this.prompts = prompts;
            this.results = results;
            this.doneBefore = job.lines() - missing().size();
            this.pictures = new DemoPictures(options.outDir().resolve("images"));
        }

        int remaining() {
            return job.lines() - doneBefore - answered;
        }

        BatchReport process(String bootstrap) throws Exception {
            long startNanos = System.nanoTime();
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap);
                 KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
                List<TopicPartition> partitions = startPositions(consumer, bootstrap);
                // Results that arrived while no run was up: read them before deciding what to send.
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                long catchUpDeadline = System.nanoTime() + options.idleTimeout().toNanos();
                while (!stopRequested && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                        && System.nanoTime() - catchUpDeadline < 0) {
                    readResults(consumer);
                }
                caughtUp = answered;
                List<Integer> toSend = missingLines();
                say("%d lines to send (%d results read from the topic first)", toSend.size(), caughtUp);
                lastResultNanos = System.nanoTime();
                long nextProgress = lastResultNanos;
                firstSendNanos = lastResultNanos;
                int next = 0;
                while (!stopRequested && remaining() > 0) {
                    for (int n = 0; n < SEND_CHUNK && next < toSend.size(); n++) {
                        send(producer, toSend.get(next++));
                    }
                    if (readResults(consumer) == 0 && next == toSend.size()
                            && System.nanoTime() - lastResultNanos > options.idleTimeout().toNanos()) {
                        say("no result for %d s: giving up for now", options.idleTimeout().toSeconds());
                        break;
                    }
                    if (sendFailure.get() != null) {
                        throw new IllegalStateException("cannot send to " + options.promptsTopic() + " on " + bootstrap
                                + ": " + sendFailure.get().getMessage(), sendFailure.get());
                    }
                    if (System.nanoTime() - nextProgress >= 0) {
                        progress();
                        nextProgress += TimeUnit.MILLISECONDS.toNanos(PROGRESS_MILLIS);
                    }
                }
                progress();
                if (stopRequested) {
                    say("stopped: %d lines still without a result; run the same command again to finish", remaining());
                }
                return report(submitted == 0 ? startNanos : firstSendNanos);
            }
        }

        private KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
            return new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", bootstrap,
                    "group.id", "umbra-batch-" + job.jobId(),
                    "client.id", "umbra-batch-" + job.jobId() + "-results",
                    "enable.auto.commit", "false",
                    // a mistyped topic must fail here, not be created empty by the broker and waited on
                    "allow.auto.create.topics", "false",
                    // a committed offset gone (topic recreated, retention): read all that is left, filtering by id
                    "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        private KafkaProducer<byte[], byte[]> producer(String bootstrap) {
            return new KafkaProducer<>(Map.of(
                    "bootstrap.servers", bootstrap,
                    "client.id", "umbra-batch-" + job.jobId() + "-prompts",
                    "acks", "all",
                    "linger.ms", "5"), new ByteArraySerializer(), new ByteArraySerializer());
        }

        /**
         * Assigns every partition of the results topic at the job's committed offsets, or at its end on the job's first
         * run (nothing of this job can be on the topic before its first request), and commits those positions at once
         * so that a run killed before its first commit still leaves the next one the right place to start.
         */
        private List<TopicPartition> startPositions(KafkaConsumer<byte[], byte[]> consumer, String bootstrap) {
            for (String topic : List.of(options.promptsTopic(), options.resultsTopic())) {
                if (consumer.partitionsFor(topic).isEmpty()) {
                    throw new IllegalStateException("no topic " + topic + " on " + bootstrap
                            + " (--prompts-topic and --results-topic name the worker's topics)");
                }
            }
            String topic = options.resultsTopic();
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition p : partitions) {
                OffsetAndMetadata offset = committed.get(p);
                consumer.seek(p, offset != null ? offset.offset() : end.get(p));
            }
            commit(consumer);
            return partitions;
        }

        private void send(KafkaProducer<byte[], byte[]> producer, int line) {
            String id = job.requestId(line);
            PromptRequest request = PromptRequest.newBuilder()
                    .setRequestId(id)
                    .setPrompt(prompts.get(line))
                    .setNumImages(job.images())
                    .setSeed(job.seedOf(line))
                    .setCreatedAt(Instant.now())
                    .setMetadata(Map.of("source", "umbra batch", "job_id", job.jobId(), "line", "" + (line + 1)))
                    .build();
            producer.send(new ProducerRecord<>(options.promptsTopic(), id.getBytes(StandardCharsets.UTF_8),
                    codec.encode(request)), (metadata, e) -> {
                        if (e != null) {
                            sendFailure.compareAndSet(null, e);
                        }
                    });
            submitted++;
        }

        /**
         * One poll: each result of this job not yet in the file has its pictures written, then its line (a line
         * promises its pictures are on disk); then the offsets are committed. Returns the lines written.
         */
        private int readResults(KafkaConsumer<byte[], byte[]> consumer) throws IOException {
            int written = 0;
            boolean any = false;
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                any = true;
                ImageResult result;
                try {
                    result = codec.decodeImageResult(record.value());
                } catch (EventDecodeException e) {
                    continue;   // not ours to judge: the topic may carry other writers' records
                }
                String id = result.getRequestId();
                if (job.lineIndex(id) < 0) {
                    continue;   // another job's, or the worker's other clients'
                }
                if (results.has(id)) {
                    duplicates++;
                    continue;
                }
                pictures.add(result);
                results.append(id, result.getStatus().name(), AvroJson.toJson(result));
                answered++;
                written++;
                lastResultNanos = System.nanoTime();
            }
            if (any) {
                commit(consumer);
            }
            return written;
        }

        private void commit(KafkaConsumer<byte[], byte[]> consumer) {
            Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
            for (TopicPartition p : consumer.assignment()) {
                positions.put(p, new OffsetAndMetadata(consumer.position(p)));
            }
            consumer.commitSync(positions);
        }

        private void progress() {
            double seconds = (System.nanoTime() - firstSendNanos) / 1e9;
            double rate = seconds > 0 ? (answered - caughtUp) / seconds : 0;
            String eta = rate > 0 ? String.format(Locale.ROOT, "ETA %.0f s", remaining() / rate) : "ETA -";
            say("%d/%d lines have a result (+%d in this run)  %.1f/s  %s", job.lines() - remaining(), job.lines(),
                    answered, rate, eta);
        }

        List<Integer> missingLines() {
            List<Integer> lines = new ArrayList<>();
            for (int i = 0; i < job.lines(); i++) {
                if (!results.has(job.requestId(i))) {
                    lines.add(i);
                }
            }
            return lines;
        }

        private List<String> missing() {
            return missingLines().stream().map(job::requestId).toList();
        }

        BatchReport report(long fromNanos) {
            Map<String, Long> byStatus = new HashMap<>();
            results.statusById().forEach((id, status) -> {
                if (job.lineIndex(id) >= 0) {
                    byStatus.merge(status, 1L, Long::sum);
                }
            });
            long toNanos = answered > 0 ? lastResultNanos : System.nanoTime();
            return new BatchReport(job.jobId(), job.lines(), doneBefore, answered, submitted, duplicates, byStatus,
                    missing(), Math.max(0, toNanos - fromNanos) / 1e9, stopRequested,
                    options.outDir().resolve(ResultsFile.FILE_NAME), pictures.summary(null));
        }
    }

    /** The directory's job, checked against this run; or a new job, written before anything is sent. */
    private JobManifest manifest(Path dir, String sha256, int lines) throws IOException {
        JobManifest existing = JobManifest.read(dir);
        if (existing != null) {
            existing.checkSameJob(dir, options.jobId(), sha256, lines, options.images(), options.seed());
            return existing;
        }
        if (Files.exists(dir.resolve(ResultsFile.FILE_NAME))) {
            throw new UsageException(dir + " has a " + ResultsFile.FILE_NAME + " but no " + JobManifest.FILE_NAME
                    + ": not a batch job's directory; use another --out");
        }
        String jobId = options.jobId() != null ? options.jobId()
                : "batch-" + Long.toString(System.currentTimeMillis(), 36);
        // A drawn seed is kept in the manifest, so that a resumed job makes the pictures the first run would have.
        long seed = options.seed() != null ? options.seed() : ThreadLocalRandom.current().nextLong(1L << 31);
        JobManifest job = new JobManifest(jobId, sha256, lines, options.images() != null ? options.images() : 1, seed,
                Instant.now());
        job.write(dir);
        return job;
    }

    private static FileLock tryLock(FileChannel channel, Path dir) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new UsageException(dir + " is in use by another batch run");
        }
        return lock;
    }

    /** Pictures being written when a run was killed ({@code .part} files of the image store): never finished. */
    private static void removeUnfinishedPictures(Path images) throws IOException {
        if (!Files.isDirectory(images)) {
            return;
        }
        try (Stream<Path> files = Files.find(images, 2, (p, a) -> a.isRegularFile()
                && p.getFileName().toString().endsWith(".part"))) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private BatchReport print(BatchReport report) {
        out.print(report.format());
        out.flush();
        return report;
    }

    private void say(String format, Object... args) {
        err.printf(Locale.ROOT, "[batch] " + format + "%n", args);
        err.flush();
    }
}
