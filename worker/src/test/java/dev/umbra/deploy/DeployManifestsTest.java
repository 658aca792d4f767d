package dev.umbra.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.umbra.http.WorkerMetrics;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.broker.KafkaClusters;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deployment files under {@code deploy/} (Dockerfiles, docker-compose, Prometheus, Grafana, Kubernetes and
 * KEDA) read as the worker expects them to be: every file parses, and the fields that must agree with the worker
 * (its topics and consumer groups, its HTTP port and health paths, its shutdown timeout, the metric names it
 * registers) and with each other (the Service and Prometheus on the Deployments' named port, KEDA on existing
 * Deployments, replicas within the partitions the topics get) do. Nothing here starts Docker or a cluster: the
 * development machine has neither. {@code kubectl kustomize} runs where kubectl is installed (it needs no cluster).
 */
class DeployManifestsTest {

    /**
     * The Prometheus names of the metrics the worker registers (dev.umbra.http.WorkerMetrics' Micrometer meters in
     * Prometheus' naming: counters end in _total, a base unit is appended, as in _bytes). This list mirrors the
     * metric names the worker registers ({@link #theMetricListMirrorsTheWorkersRegistry} holds it to them): the
     * dashboard may query only these, and must show every umbra_ one.
     */
    static final Set<String> WORKER_METRICS = Set.of(
            "umbra_records_received_total",
            "umbra_results_total",
            "umbra_dead_letters_total",
            "umbra_in_flight_rows",
            "umbra_in_flight_bound_rows",
            "umbra_batcher_queued_rows",
            "umbra_fetch_paused",
            "umbra_assigned_partitions",
            "umbra_consumer_lag_records",
            "umbra_decoder_pool_utilization",
            "umbra_decoder_queue_depth",
            "umbra_decoder_busy_seconds_total",
            "umbra_commits_total",
            "umbra_commit_failures_total",
            "umbra_process_resident_memory_bytes",
            "jvm_memory_used_bytes",
            "jvm_threads_live_threads",
            "process_cpu_usage");
    /** Histograms: series _bucket, _count, _sum (and _max, which the dashboard does not use). */
    static final Set<String> WORKER_HISTOGRAMS = Set.of("umbra_batch_rows", "umbra_stage_seconds");
    /** Timers without buckets: _count, _sum and _max. */
    static final Set<String> WORKER_TIMERS = Set.of("jvm_gc_pause_seconds");
    /** Registered only once there is something to report: a first answer, assigned partitions, a first GC pause. */
    static final Set<String> REGISTERED_LATER = Set.of("umbra_results_total", "umbra_consumer_lag_records",
            "jvm_gc_pause_seconds");
    /** Labels of those series: the worker's tags, Micrometer's JVM tags, and Prometheus' own (instance, job, le). */
    static final Set<String> KNOWN_LABELS = Set.of("role", "status", "handed_on", "stage", "topic", "partition", "area",
            "id", "action", "cause", "gc", "le", "instance", "job");

    static final String HTTP_PORT_NAME = "http";
    static final int HTTP_PORT = 8080;
    static final String LIVE_PATH = "/health/live";
    static final String READY_PATH = "/health/ready";
    static final String WORKER_DOCKERFILE = "deploy/Dockerfile";
    static final String GPU_DOCKERFILE = "deploy/Dockerfile.gpu";

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    static Path root;

    @BeforeAll
    static void findRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("pom.xml")))) {
            p = p.getParent();
        }
        assertNotNull(p, "no folder with deploy/ and pom.xml above " + Path.of("").toAbsolutePath());
        root = p;
    }

    // ---- every file --------------------------------------------------------------------------------------------

    @Test
    void everyManifestParses() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root.resolve("deploy"))) {
            files = walk.filter(Files::isRegularFile)
                    .filter(f -> !root.relativize(f).toString().contains("target" + File.separator))
                    .filter(f -> f.toString().matches(".*\\.(ya?ml|json)$"))
                    .sorted().toList();
        }
        Set<String> names = files.stream().map(f -> root.relativize(f).toString()).collect(Collectors.toSet());
        for (String expected : List.of("deploy/compose/docker-compose.yml", "deploy/compose/prometheus/prometheus.yml",
                "deploy/compose/grafana/dashboards/umbra-worker.json", "deploy/k8s/base/kustomization.yaml",
                "deploy/k8s/base/deployment-prior.yaml", "deploy/k8s/base/deployment-decoder.yaml",
                "deploy/k8s/base/keda-scaledobjects.yaml", "deploy/k8s/overlays/gpu/kustomization.yaml")) {
            assertTrue(names.contains(expected), expected + " is missing");
        }
        for (Path f : files) {
            try {
                List<JsonNode> docs = f.toString().endsWith(".json") ? List.of(JSON.readTree(f.toFile())) : yamlDocs(f);
                assertFalse(docs.isEmpty(), f + " holds no document");
                for (JsonNode d : docs) {
                    assertTrue(d.isObject(), f + ": a document that is not a mapping: " + d);
                }
            } catch (IOException e) {
                fail(root.relativize(f) + " does not parse: " + e.getMessage());
            }
        }
    }

    // ---- Kubernetes --------------------------------------------------------------------------------------------

    @Test
    void kustomizationsReferToFilesThatExist() throws IOException {
        List<Path> kustomizations;
        try (Stream<Path> walk = Files.walk(root.resolve("deploy/k8s"))) {
            kustomizations = walk.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).toList();
        }
        assertTrue(kustomizations.size() >= 2, "the base and the gpu overlay: " + kustomizations);
        for (Path k : kustomizations) {
            JsonNode doc = yaml(k);
            Path dir = k.getParent();
            assertEquals("Kustomization", doc.path("kind").asText(), k.toString());
            assertTrue(doc.path("resources").size() > 0, k + " lists no resources");
            for (JsonNode r : doc.path("resources")) {
                Path p = dir.resolve(r.asText()).normalize();
                assertTrue(Files.isRegularFile(p) || Files.isRegularFile(p.resolve("kustomization.yaml")),
                        k + ": resource " + r.asText() + " does not exist");
            }
            for (JsonNode patch : doc.path("patches")) {
                if (patch.has("path")) {
                    assertTrue(Files.isRegularFile(dir.resolve(patch.path("path").asText())),
                            k + ": patch " + patch.path("path").asText() + " does not exist");
                }
            }
            for (JsonNode gen : doc.path("configMapGenerator")) {
                for (JsonNode file : gen.path("files")) {
                    String name = file.asText();
                    String path = name.contains("=") ? name.substring(name.indexOf('=') + 1) : name;
                    assertTrue(Files.isRegularFile(dir.resolve(path)), k + ": configMapGenerator file " + path + " does not exist");
                }
            }
        }
    }

    @Test
    void deploymentsRunTheWorkerWithProbesAGracefulStopAndNoRoot() throws IOException {
        Base base = Base.load();
        assertEquals(Set.of("prior", "decoder"), base.deployments.keySet(), "one Deployment per role");
        Dockerfile cpu = Dockerfile.parse(root.resolve(WORKER_DOCKERFILE));
        for (Map.Entry<String, JsonNode> e : base.deployments.entrySet()) {
            String role = e.getKey();
            JsonNode d = e.getValue();
            String where = "Deployment " + d.at("/metadata/name").asText();
            assertTrue(d.at("/spec/replicas").isMissingNode(), where + ": replicas belong to its ScaledObject, not the manifest");
            JsonNode pod = d.at("/spec/template/spec");
            JsonNode c = worker(d);
            String image = c.path("image").asText();
            assertTrue(image.startsWith("umbra-worker") && image.contains(":") && !image.endsWith(":latest"),
                    where + ": the worker image with a pinned tag, got " + image);

            // --config names a file of the generated ConfigMap, mounted where the args say.
            Path config = base.configFile(d);
            JsonNode cfg = yaml(config);
            assertEquals(role, cfg.path("role").asText(), config + ": role");
            assertEquals("0.0.0.0", cfg.path("http-host").asText(), config + ": http-host (127.0.0.1 is unreachable from the kubelet)");
            assertEquals(HTTP_PORT, cfg.path("http-port").asInt(), config + ": http-port");

            JsonNode port = namedPort(c, HTTP_PORT_NAME);
            assertNotNull(port, where + ": no container port named " + HTTP_PORT_NAME);
            assertEquals(cfg.path("http-port").asInt(), port.path("containerPort").asInt(), where + ": the port the worker serves");

            assertProbe(c.path("livenessProbe"), LIVE_PATH, where + " liveness");
            assertProbe(c.path("readinessProbe"), READY_PATH, where + " readiness");
            if (c.has("startupProbe")) {
                assertProbe(c.path("startupProbe"), LIVE_PATH, where + " startup");
            }

            long shutdown = cfg.has("shutdown-timeout") ? seconds(cfg.path("shutdown-timeout").asText())
                    : WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds();
            assertTrue(pod.path("terminationGracePeriodSeconds").asLong() > shutdown, where
                    + ": terminationGracePeriodSeconds must exceed the worker's shutdown timeout (" + shutdown + " s)");

            boolean nonRoot = pod.at("/securityContext/runAsNonRoot").asBoolean(false)
                    || c.at("/securityContext/runAsNonRoot").asBoolean(false);
            assertTrue(nonRoot, where + ": runAsNonRoot");
            long uid = pod.at("/securityContext/runAsUser").asLong(-1);
            assertEquals(cpu.user(), uid, where + ": runAsUser is the image's USER");
            assertFalse(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true), where + ": allowPrivilegeEscalation");

            for (String kind : List.of("requests", "limits")) {
                for (String r : List.of("cpu", "memory")) {
                    assertFalse(c.at("/resources/" + kind + "/" + r).asText().isBlank(), where + ": resources." + kind + "." + r);
                }
            }
            JsonNode threads = env(c, "UMBRA_THREADS");
            assertNotNull(threads, where + ": UMBRA_THREADS (libtorch's threads) must follow the CPU limit");
            if (threads.has("value")) {
                assertEquals(c.at("/resources/limits/cpu").asText(), threads.path("value").asText(), where + ": UMBRA_THREADS");
            } else {
                assertEquals("limits.cpu", threads.at("/valueFrom/resourceFieldRef/resource").asText(), where + ": UMBRA_THREADS");
            }
            JsonNode id = env(c, "UMBRA_WORKER_ID");
            assertNotNull(id, where + ": UMBRA_WORKER_ID");
            assertEquals("metadata.name", id.at("/valueFrom/fieldRef/fieldPath").asText(), where + ": one worker id per pod");

            // A read-only root file system needs writable /tmp and the image's working directory (umbra-images/).
            if (c.at("/securityContext/readOnlyRootFilesystem").asBoolean(false)) {
                Set<String> mounts = new HashSet<>();
                c.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
                assertTrue(mounts.contains("/tmp"), where + ": /tmp must be a volume");
                assertTrue(mounts.contains(cpu.finalStage().workdir()), where + ": the image's WORKDIR "
                        + cpu.finalStage().workdir() + " must be a volume");
                assertFalse(mounts.contains(cpu.finalStage().env().get("DJL_CACHE_DIR")),
                        where + ": a volume over DJL_CACHE_DIR would hide the cache made at build time");
            }
        }
    }

    @Test
    void theServiceAndPrometheusReachTheNamedPort() throws IOException {
        Base base = Base.load();
        assertEquals(1, base.services.size(), "one metrics Service");
        JsonNode svc = base.services.get(0);
        JsonNode port = svc.at("/spec/ports").get(0);
        assertEquals(HTTP_PORT_NAME, port.path("name").asText(), "Service port name");
        assertEquals(HTTP_PORT, port.path("port").asInt(), "Service port");
        assertEquals(HTTP_PORT_NAME, port.path("targetPort").asText(), "Service targetPort: the containers' named port");
        for (JsonNode d : base.deployments.values()) {
            assertTrue(selects(svc.at("/spec/selector"), d.at("/spec/template/metadata/labels")),
                    "the Service selects the pods of " + d.at("/metadata/name").asText());
            JsonNode ann = d.at("/spec/template/metadata/annotations");
            assertEquals(String.valueOf(HTTP_PORT), ann.path("prometheus.io/port").asText(), "prometheus.io/port");
            assertEquals("/metrics", ann.path("prometheus.io/path").asText(), "prometheus.io/path");
        }
        JsonNode monitor = yaml(root.resolve("deploy/k8s/monitoring/servicemonitor.yaml"));
        assertEquals("ServiceMonitor", monitor.path("kind").asText());
        assertTrue(selects(monitor.at("/spec/selector/matchLabels"), svc.at("/metadata/labels")),
                "the ServiceMonitor selects the metrics Service");
        assertEquals(HTTP_PORT_NAME, monitor.at("/spec/endpoints/0/port").asText(), "the ServiceMonitor scrapes port http");
        assertEquals("/metrics", monitor.at("/spec/endpoints/0/path").asText());
    }

    @Test
    void eachRoleHasAPodDisruptionBudget() throws IOException {
        Base base = Base.load();
        for (JsonNode d : base.deployments.values()) {
            JsonNode podLabels = d.at("/spec/template/metadata/labels");
            List<JsonNode> pdbs = base.pdbs.stream()
                    .filter(p -> selects(p.at("/spec/selector/matchLabels"), podLabels)).toList();
            assertEquals(1, pdbs.size(), "one PodDisruptionBudget for " + d.at("/metadata/name").asText());
            JsonNode pdb = pdbs.get(0);
            assertEquals(d.at("/spec/selector/matchLabels"), pdb.at("/spec/selector/matchLabels"),
                    "the PDB selects exactly the pods of its Deployment");
            assertTrue(pdb.at("/spec/maxUnavailable").asInt(0) >= 1 && pdb.at("/spec/minAvailable").isMissingNode(),
                    "maxUnavailable >= 1 (minAvailable would block drains of a single replica)");
        }
    }

    @Test
    void kedaScalesEachRoleOnTheLagOfItsOwnGroupAndTopic() throws IOException {
        Base base = Base.load();
        Map<String, Integer> partitions = Compose.load().partitions();
        Map<String, String> topicOf = Map.of("prior", WorkerConfig.DEFAULT_PROMPTS_TOPIC,
                "decoder", WorkerConfig.DEFAULT_EMBEDDINGS_TOPIC);
        Map<String, String> groupOf = Map.of("prior", WorkerConfig.DEFAULT_GROUP_ID,
                "decoder", WorkerConfig.DEFAULT_DECODER_GROUP_ID);
        assertEquals(base.deployments.size(), base.scaledObjects.size(), "one ScaledObject per Deployment");
        Set<String> targets = new HashSet<>();
        for (JsonNode so : base.scaledObjects) {
            String name = so.at("/metadata/name").asText();
            assertEquals("keda.sh/v1alpha1", so.path("apiVersion").asText(), name);
            String target = so.at("/spec/scaleTargetRef/name").asText();
            String kind = so.at("/spec/scaleTargetRef/kind").asText("Deployment");
            assertEquals("Deployment", kind, name + ": scaleTargetRef.kind");
            String role = base.deployments.entrySet().stream()
                    .filter(e -> e.getValue().at("/metadata/name").asText().equals(target))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
            assertNotNull(role, name + ": scaleTargetRef " + target + " is no Deployment of the base");
            assertTrue(targets.add(target), "two ScaledObjects scale " + target);

            JsonNode triggers = so.at("/spec/triggers");
            assertEquals(1, triggers.size(), name + ": one trigger");
            JsonNode t = triggers.get(0);
            assertEquals("kafka", t.path("type").asText(), name + ": trigger type");
            JsonNode m = t.path("metadata");
            JsonNode cfg = yaml(base.configFile(base.deployments.get(role)));
            String topicOption = role.equals("prior") ? "prompts-topic" : "embeddings-topic";
            String topic = cfg.path(topicOption).asText(topicOf.get(role));
            String group = cfg.path("group-id").asText(groupOf.get(role));
            assertEquals(topicOf.get(role), topic, "the " + role + " config overrides " + topicOption);
            assertEquals(groupOf.get(role), group, "the " + role + " config overrides group-id");
            assertEquals(topic, m.path("topic").asText(), name + ": the topic the " + role + " role reads");
            assertEquals(group, m.path("consumerGroup").asText(), name + ": the " + role + " role's consumer group");
            assertEquals(cfg.path("bootstrap-servers").asText(), m.path("bootstrapServers").asText(),
                    name + ": the brokers the workers use");
            assertEquals("earliest", m.path("offsetResetPolicy").asText(),
                    name + ": the worker's consumers reset to the earliest offset");
            assertFalse(m.path("allowIdleConsumers").asText("false").equals("true"), name + ": allowIdleConsumers");
            assertTrue(Integer.parseInt(m.path("lagThreshold").asText()) > 0, name + ": lagThreshold");

            int min = so.at("/spec/minReplicaCount").asInt(-1);
            int max = so.at("/spec/maxReplicaCount").asInt(-1);
            assertTrue(min >= 1 && min <= max, name + ": 1 <= minReplicaCount <= maxReplicaCount");
            JsonNode surge = base.deployments.get(role).at("/spec/strategy/rollingUpdate/maxSurge");
            assertTrue(surge.isInt(), target + ": maxSurge as a number of pods");
            Integer parts = partitions.get(topic);
            assertNotNull(parts, "no partitions made for " + topic);
            assertTrue(max + surge.asInt() <= parts, name + ": maxReplicaCount " + max + " + maxSurge " + surge.asInt()
                    + " must not exceed the " + parts + " partitions of " + topic + " (idle consumers, stuck rollouts)");
        }
    }

    @Test
    void theGpuOverlayPutsThePriorOnAGpu() throws IOException {
        Base base = Base.load();
        Path dir = root.resolve("deploy/k8s/overlays/gpu");
        JsonNode k = yaml(dir.resolve("kustomization.yaml"));
        assertEquals("../../base", k.at("/resources/0").asText());
        JsonNode patch = yaml(dir.resolve(k.at("/patches/0/path").asText()));
        JsonNode prior = base.deployments.get("prior");
        assertEquals(prior.at("/metadata/name").asText(), patch.at("/metadata/name").asText(), "the patch names the prior");
        JsonNode c = patch.at("/spec/template/spec/containers/0");
        assertEquals(worker(prior).path("name").asText(), c.path("name").asText(), "the patch names the worker container");
        assertTrue(c.path("image").asText().startsWith("umbra-worker-gpu:"), "the GPU image");
        List<String> args = strings(c.path("args"));
        assertEquals(strings(worker(prior).path("args")), args.subList(0, args.size() - 2), "the base's args, then --device gpu");
        assertEquals(List.of("--device", "gpu"), args.subList(args.size() - 2, args.size()));
        assertEquals(1, c.at("/resources/limits/nvidia.com~1gpu").asInt(), "one GPU");
    }

    @Test
    void kustomizeBuildsTheBaseAndTheOverlay() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed: kustomize's own check is skipped");
        List<JsonNode> baseOut = kustomize("deploy/k8s/base");
        JsonNode configMap = baseOut.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")).findFirst().orElseThrow();
        String cmName = configMap.at("/metadata/name").asText();
        assertTrue(cmName.startsWith("umbra-worker-config-"), "the generated, hashed ConfigMap: " + cmName);
        List<JsonNode> deployments = baseOut.stream().filter(d -> d.path("kind").asText().equals("Deployment")).toList();
        assertEquals(2, deployments.size());
        for (JsonNode d : deployments) {
            String path = strings(worker(d).path("args")).stream().filter(a -> a.startsWith("/etc/")).findFirst().orElseThrow();
            String key = Path.of(path).getFileName().toString();
            assertTrue(configMap.path("data").has(key), "the ConfigMap holds " + key);
            boolean mounted = false;
            for (JsonNode v : d.at("/spec/template/spec/volumes")) {
                mounted |= cmName.equals(v.at("/configMap/name").asText());
            }
            assertTrue(mounted, d.at("/metadata/name").asText() + " mounts " + cmName);
        }
        List<JsonNode> gpu = kustomize("deploy/k8s/overlays/gpu");
        JsonNode prior = gpu.stream().filter(d -> d.at("/metadata/name").asText().equals("umbra-prior")).findFirst().orElseThrow();
        JsonNode c = worker(prior);
        assertEquals("1", c.at("/resources/limits/nvidia.com~1gpu").asText());
        assertTrue(strings(c.path("args")).containsAll(List.of("--config", "--device", "gpu")), c.path("args").toString());
        assertEquals(READY_PATH, c.at("/readinessProbe/httpGet/path").asText(), "the base's probes survive the patch");
        JsonNode decoder = gpu.stream().filter(d -> d.at("/metadata/name").asText().equals("umbra-decoder")).findFirst().orElseThrow();
        assertTrue(worker(decoder).path("image").asText().startsWith("umbra-worker:"), "the decoders stay on the CPU image");
    }

    // ---- docker compose, Prometheus, Grafana ---------------------------------------------------------------------

    @Test
    void composeRunsABrokerTheTopicsOnePriorAndTwoDecoders() throws IOException {
        Compose compose = Compose.load();
        JsonNode services = compose.doc.path("services");
        services.fields().forEachRemaining(s -> {
            String image = s.getValue().path("image").asText();
            assertTrue(image.contains(":") && !image.endsWith(":latest"), "service " + s.getKey() + ": a pinned image, got " + image);
        });

        JsonNode kafka = services.path(compose.broker);
        assertEquals(KafkaClusters.KAFKA_IMAGE.asCanonicalNameString(), kafka.path("image").asText(),
                "the broker the tests run against");
        Map<String, String> kenv = environment(kafka);
        assertTrue(List.of(kenv.get("KAFKA_PROCESS_ROLES").split(",")).containsAll(List.of("broker", "controller")), "KRaft, one node");

        // Topic creation: the four topics the worker uses, before any worker starts.
        assertEquals(new TreeSet<>(List.of(WorkerConfig.DEFAULT_PROMPTS_TOPIC, WorkerConfig.DEFAULT_RESULTS_TOPIC,
                WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, WorkerConfig.DEFAULT_EMBEDDINGS_TOPIC)),
                new TreeSet<>(compose.partitions().keySet()), "the topics service creates the worker's four topics");
        assertEquals("service_healthy", services.path(compose.topics).at("/depends_on/" + compose.broker + "/condition").asText(),
                "topics are made once the broker is healthy");

        Map<String, List<String>> byRole = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        String bootstrap = null;
        for (String name : compose.workers) {
            JsonNode s = services.path(name);
            Map<String, String> env = environment(s);
            byRole.computeIfAbsent(env.getOrDefault("UMBRA_ROLE", "all"), r -> new ArrayList<>()).add(name);
            String id = env.get("UMBRA_WORKER_ID");
            assertTrue(id != null && ids.add(id), name + ": a worker id of its own, got " + id);
            assertEquals("service_completed_successfully", s.at("/depends_on/" + compose.topics + "/condition").asText(),
                    name + " starts after the topics exist");
            assertEquals("0.0.0.0", env.get("UMBRA_HTTP_HOST"), name + ": UMBRA_HTTP_HOST");
            assertEquals(String.valueOf(HTTP_PORT), env.get("UMBRA_HTTP_PORT"), name + ": UMBRA_HTTP_PORT");
            assertEquals(s.path("cpus").asText().replaceAll("\\.0+$", ""), env.get("UMBRA_THREADS"),
                    name + ": UMBRA_THREADS follows the service's cpus");
            assertTrue(seconds(s.path("stop_grace_period").asText("10s")) > WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds(),
                    name + ": stop_grace_period must exceed the worker's shutdown timeout");
            String test = String.join(" ", strings(s.at("/healthcheck/test")));
            assertTrue(test.contains(":" + env.get("UMBRA_HTTP_PORT") + READY_PATH), name + ": healthcheck on " + READY_PATH);
            Path context = root.resolve("deploy/compose").resolve(s.at("/build/context").asText()).normalize();
            assertEquals(root, context, name + ": the build context is the repository root");
            assertEquals(WORKER_DOCKERFILE, s.at("/build/dockerfile").asText(), name + ": built from " + WORKER_DOCKERFILE);
            bootstrap = bootstrap == null ? env.get("UMBRA_BOOTSTRAP_SERVERS") : bootstrap;
            assertEquals(bootstrap, env.get("UMBRA_BOOTSTRAP_SERVERS"), name + ": one cluster");
        }
        assertEquals(1, byRole.getOrDefault("prior", List.of()).size(), "one prior worker: " + byRole);
        assertEquals(2, byRole.getOrDefault("decoder", List.of()).size(), "two decoder workers: " + byRole);
        assertEquals(Set.of("prior", "decoder"), byRole.keySet(), "roles: " + byRole);
        assertTrue(kenv.get("KAFKA_ADVERTISED_LISTENERS").contains("://" + bootstrap),
                "the workers' bootstrap " + bootstrap + " is a listener the broker advertises: " + kenv.get("KAFKA_ADVERTISED_LISTENERS"));
        assertEquals(compose.broker, bootstrap.substring(0, bootstrap.indexOf(':')), "the broker's service name");

        int decoders = byRole.get("decoder").size();
        assertTrue(compose.partitions().get(WorkerConfig.DEFAULT_EMBEDDINGS_TOPIC) >= decoders,
                "at least as many embeddings partitions as decoders");
    }

    @Test
    void prometheusScrapesEveryWorkerOnItsHttpPort() throws IOException {
        Compose compose = Compose.load();
        JsonNode prometheus = compose.doc.at("/services/prometheus");
        assertTrue(strings(prometheus.path("volumes")).contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"),
                "prometheus.yml mounted where the image reads it");
        JsonNode config = yaml(root.resolve("deploy/compose/prometheus/prometheus.yml"));
        Set<String> targets = new TreeSet<>();
        for (JsonNode job : config.path("scrape_configs")) {
            assertEquals("/metrics", job.path("metrics_path").asText("/metrics"), "metrics path");
            for (JsonNode sc : job.path("static_configs")) {
                sc.path("targets").forEach(t -> targets.add(t.asText()));
            }
        }
        Set<String> expected = new TreeSet<>();
        for (String w : compose.workers) {
            expected.add(w + ":" + environment(compose.doc.at("/services/" + w)).get("UMBRA_HTTP_PORT"));
        }
        assertEquals(expected, targets, "Prometheus scrapes exactly the worker services on UMBRA_HTTP_PORT");
    }

    @Test
    void theGrafanaDashboardQueriesOnlyTheWorkersMetrics() throws IOException {
        Path grafana = root.resolve("deploy/compose/grafana");
        JsonNode ds = yaml(grafana.resolve("provisioning/datasources/prometheus.yml")).at("/datasources/0");
        String uid = ds.path("uid").asText();
        assertEquals("prometheus", ds.path("type").asText());
        assertEquals("http://prometheus:9090", ds.path("url").asText(), "the compose service prometheus");
        JsonNode provider = yaml(grafana.resolve("provisioning/dashboards/umbra.yml")).at("/providers/0");
        String dashboards = provider.at("/options/path").asText();
        List<String> grafanaVolumes = strings(Compose.load().doc.at("/services/grafana/volumes"));
        assertTrue(grafanaVolumes.contains("./grafana/dashboards:" + dashboards + ":ro"), "the dashboards are mounted at " + dashboards);
        assertTrue(grafanaVolumes.contains("./grafana/provisioning:/etc/grafana/provisioning:ro"), "provisioning mounted");

        JsonNode dash = JSON.readTree(grafana.resolve("dashboards/umbra-worker.json").toFile());
        assertFalse(dash.path("uid").asText().isBlank(), "dashboard uid");
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(dash.path("panels"), panels);
        Set<String> used = new TreeSet<>();
        int queries = 0;
        for (JsonNode p : panels) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            String title = p.path("title").asText();
            assertEquals(uid, p.at("/datasource/uid").asText(), title + ": the provisioned data source");
            assertTrue(p.path("targets").size() > 0, title + ": no query");
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asText();
                Set<String> names = metricNames(expr);
                assertFalse(names.isEmpty(), title + ": no metric in " + expr);
                for (String n : names) {
                    assertTrue(allowedSeries(n), title + ": " + n + " is not a metric the worker registers (" + expr + ")");
                    used.add(baseName(n));
                }
                for (String l : labelNames(expr)) {
                    assertTrue(KNOWN_LABELS.contains(l), title + ": unknown label " + l + " in " + expr);
                }
                Matcher legend = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(t.path("legendFormat").asText());
                while (legend.find()) {
                    assertTrue(KNOWN_LABELS.contains(legend.group(1)), title + ": legend label " + legend.group(1));
                }
                Matcher stage = Pattern.compile("stage\\s*=\\s*\"([^\"]*)\"").matcher(expr);
                while (stage.find()) {
                    assertTrue(WorkerMetrics.STAGES.contains(stage.group(1)), title + ": no stage " + stage.group(1));
                }
                queries++;
            }
        }
        assertTrue(queries >= 10, "the dashboard's queries: " + queries);
        for (JsonNode v : dash.at("/templating/list")) {
            String q = v.path("query").isObject() ? v.at("/query/query").asText() : v.path("query").asText();
            Matcher lv = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][\\w:]*)").matcher(q);
            assertTrue(lv.find(), "variable " + v.path("name").asText() + ": label_values(metric, label), got " + q);
            assertTrue(allowedSeries(lv.group(1)), "variable " + v.path("name").asText() + ": " + lv.group(1));
        }
        Set<String> umbra = new TreeSet<>();
        Stream.concat(WORKER_METRICS.stream(), WORKER_HISTOGRAMS.stream()).filter(n -> n.startsWith("umbra_")).forEach(umbra::add);
        umbra.removeAll(used);
        assertEquals(Set.of(), umbra, "worker metrics the dashboard does not show");
    }

    @Test
    void theMetricListMirrorsTheWorkersRegistry() {
        Set<String> scraped = new TreeSet<>();
        try (WorkerMetrics metrics = new WorkerMetrics("prior")) {
            for (String line : metrics.scrape().split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    scraped.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
        Set<String> expected = new TreeSet<>();
        WORKER_METRICS.forEach(expected::add);
        WORKER_HISTOGRAMS.forEach(h -> List.of("_bucket", "_count", "_sum").forEach(x -> expected.add(h + x)));
        WORKER_TIMERS.forEach(t -> List.of("_count", "_sum", "_max").forEach(x -> expected.add(t + x)));
        expected.removeIf(n -> REGISTERED_LATER.contains(baseName(n)));
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(scraped);
        assertEquals(Set.of(), missing, "listed here (and maybe on the dashboard) but not registered by the worker");
        Set<String> unlisted = scraped.stream().filter(n -> n.startsWith("umbra_"))
                .filter(n -> !allowedSeries(n) && !(WORKER_HISTOGRAMS.contains(baseName(n)) && n.endsWith("_max")))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), unlisted, "registered by the worker but missing from WORKER_METRICS");
    }

    // ---- Dockerfiles -------------------------------------------------------------------------------------------

    @Test
    void theDockerfilesBuildTheJarAndRunItOfflineAsANonRootUser() throws IOException {
        for (String file : List.of(WORKER_DOCKERFILE, GPU_DOCKERFILE)) {
            Dockerfile df = Dockerfile.parse(root.resolve(file));
            Stage build = df.stages.get(0);
            assertTrue(build.runs().stream().anyMatch(r -> r.matches("(?s).*\\bmvn\\b.*\\bpackage\\b.*")), file + ": mvn package");
            for (Stage s : df.stages) {
                if (df.stage(s.image) == null) {
                    assertTrue(s.image.matches("[^:@]+[:@][^:]+") && !s.image.endsWith(":latest"),
                            file + ": a pinned base image, got " + s.image);
                }
            }
            Stage last = df.finalStage();
            assertTrue(df.user() > 0, file + ": a numeric, non-root USER in the final stage (runAsNonRoot checks numbers)");
            assertEquals(Dockerfile.parse(root.resolve(WORKER_DOCKERFILE)).user(), df.user(),
                    file + ": the same uid in both images (the Deployments' runAsUser)");
            Map<String, String> env = last.env();
            assertEquals("true", env.get("DJL_OFFLINE"), file + ": DJL_OFFLINE");
            String cache = env.get("DJL_CACHE_DIR");
            assertNotNull(cache, file + ": DJL_CACHE_DIR");

            // umbra-worker.jar and lib/ side by side, the jar run by ENTRYPOINT.
            String jarDir = null;
            for (List<String> copy : last.copies()) {
                String dest = copy.get(copy.size() - 1);
                if (copy.get(copy.size() - 2).endsWith("/umbra-worker.jar")) {
                    jarDir = dest.substring(0, dest.lastIndexOf('/'));
                }
            }
            assertNotNull(jarDir, file + ": the jar is copied into the final stage");
            String lib = jarDir + "/lib";
            assertTrue(last.copies().stream().anyMatch(c -> c.get(c.size() - 2).endsWith("/target/lib")
                    && c.get(c.size() - 1).equals(lib)), file + ": lib/ copied beside the jar, to " + lib);
            List<String> entrypoint = last.execForm("ENTRYPOINT");
            int jar = entrypoint.indexOf("-jar");
            assertTrue(jar >= 0 && entrypoint.get(jar + 1).equals(jarDir + "/umbra-worker.jar"),
                    file + ": ENTRYPOINT runs " + jarDir + "/umbra-worker.jar, got " + entrypoint);
            assertEquals("run", last.execForm("CMD").get(0), file + ": the default command is run");

            if (file.equals(WORKER_DOCKERFILE)) {
                // The cache is made in the final stage, after DJL_CACHE_DIR is set there, by a command that starts
                // the engine.
                int envAt = last.indexOf(i -> i.keyword.equals("ENV") && i.args.contains("DJL_CACHE_DIR="));
                String embed = jarDir + "/umbra-worker.jar embed";
                int warm = last.indexOf(i -> i.keyword.equals("RUN") && i.args.contains(embed));
                assertTrue(envAt >= 0 && warm > envAt, file + ": a RUN of `umbra-worker.jar embed` after ENV DJL_CACHE_DIR");
                assertTrue(last.indexOf(i -> i.keyword.equals("USER")) > warm, file + ": USER after the cache is made");
            } else {
                for (String v : List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR")) {
                    assertFalse(env.getOrDefault(v, "").isBlank(), file + ": " + v);
                }
                assertTrue(last.image.startsWith("nvidia/cuda:"), file + ": a CUDA base, got " + last.image);
                List<String> cmd = last.execForm("CMD");
                assertEquals(List.of("--device", "gpu"), cmd.subList(cmd.indexOf("--device"), cmd.indexOf("--device") + 2), file);
                assertTrue(last.copies().stream().anyMatch(c -> c.get(c.size() - 1).startsWith(cache + "/")),
                        file + ": the DJL cache made at build time is copied into " + cache);
                assertTrue(df.stages.stream().anyMatch(s -> s.runs().stream()
                        .anyMatch(r -> r.contains("build-djl-jni.sh") && r.contains("--out " + parent(env.get("PYTORCH_LIBRARY_PATH"))))),
                        file + ": PYTORCH_LIBRARY_PATH is the folder build-djl-jni.sh makes");
            }
        }
    }

    @Test
    void theDockerignoreFilesLetInWhatTheBuildsCopy() throws IOException {
        for (String file : List.of(WORKER_DOCKERFILE, GPU_DOCKERFILE)) {
            Dockerfile df = Dockerfile.parse(root.resolve(file));
            Path ignore = root.resolve(file + ".dockerignore");
            assertTrue(Files.isRegularFile(ignore), file + ".dockerignore");
            List<String> rules = Files.readAllLines(ignore).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            int checked = 0;
            for (Stage s : df.stages) {
                for (List<String> copy : s.copies()) {
                    if (copy.stream().anyMatch(a -> a.startsWith("--from="))) {
                        continue;
                    }
                    for (String src : copy.subList(0, copy.size() - 1)) {
                        if (src.startsWith("--")) {
                            continue;
                        }
                        String rel = src.replaceAll("^\\./", "").replaceAll("/$", "");
                        assertTrue(Files.exists(root.resolve(rel)), file + ": COPY " + rel + " does not exist");
                        assertFalse(ignored(rules, rel), file + ": COPY " + rel + " is excluded by " + ignore.getFileName());
                        checked++;
                    }
                }
            }
            assertTrue(checked >= 7, file + ": COPY sources checked: " + checked);
            assertTrue(ignored(rules, "worker/target/umbra-worker.jar"), file + ": build outputs stay out of the context");
            assertTrue(ignored(rules, "worker/src/test/resources"), file + ": test resources stay out of the context");
        }
    }

    // ---- READMEs -----------------------------------------------------------------------------------------------

    @Test
    void theReadmesSayWhatWasNotRunAndCreateTheSamePartitions() throws IOException {
        for (String readme : List.of("deploy/README.md", "deploy/compose/README.md", "deploy/k8s/README.md")) {
            String text = Files.readString(root.resolve(readme));
            assertTrue(text.contains("## What has not been run"), readme + ": a section saying what has not been run");
        }
        String k8s = Files.readString(root.resolve("deploy/k8s/README.md"));
        for (Map.Entry<String, Integer> e : Compose.load().partitions().entrySet()) {
            assertTrue(k8s.contains("--topic " + e.getKey() + " --partitions " + e.getValue()),
                    "deploy/k8s/README.md creates " + e.getKey() + " with " + e.getValue() + " partitions, as compose does");
        }
    }

    // ---- the files, read ---------------------------------------------------------------------------------------

    /** The base's objects by kind; Deployments by their role (label app.kubernetes.io/component). */
    static final class Base {
        final Map<String, JsonNode> deployments = new TreeMap<>();
        final List<JsonNode> services = new ArrayList<>();
        final List<JsonNode> pdbs = new ArrayList<>();
        final List<JsonNode> scaledObjects = new ArrayList<>();
        final Map<String, Path> generatedFiles = new LinkedHashMap<>();
        String configMapName;

        static Base load() throws IOException {
            Base b = new Base();
            Path dir = root.resolve("deploy/k8s/base");
            JsonNode k = yaml(dir.resolve("kustomization.yaml"));
            for (JsonNode r : k.path("resources")) {
                for (JsonNode d : yamlDocs(dir.resolve(r.asText()))) {
                    switch (d.path("kind").asText()) {
                        case "Deployment" -> {
                            String role = d.at("/spec/template/metadata/labels/app.kubernetes.io~1component").asText();
                            assertFalse(role.isBlank(), "Deployment " + d.at("/metadata/name").asText() + " has no component label");
                            assertTrue(b.deployments.put(role, d) == null, "two Deployments of role " + role);
                        }
                        case "Service" -> b.services.add(d);
                        case "PodDisruptionBudget" -> b.pdbs.add(d);
                        case "ScaledObject" -> b.scaledObjects.add(d);
                        default -> fail(r.asText() + ": an object the test does not know: " + d.path("kind").asText());
                    }
                }
            }
            JsonNode gen = k.at("/configMapGenerator/0");
            b.configMapName = gen.path("name").asText();
            for (JsonNode f : gen.path("files")) {
                String name = f.asText();
                String key = name.contains("=") ? name.substring(0, name.indexOf('=')) : Path.of(name).getFileName().toString();
                String path = name.contains("=") ? name.substring(name.indexOf('=') + 1) : name;
                b.generatedFiles.put(key, dir.resolve(path));
            }
            return b;
        }

        /** The config file a Deployment passes with --config: mounted from the generated ConfigMap. */
        Path configFile(JsonNode d) {
            String where = "Deployment " + d.at("/metadata/name").asText();
            JsonNode c = worker(d);
            List<String> args = strings(c.path("args"));
            assertEquals("run", args.isEmpty() ? null : args.get(0), where + ": args start with run");
            int at = args.indexOf("--config");
            assertTrue(at >= 0 && at + 1 < args.size(), where + ": --config FILE in args " + args);
            Path file = Path.of(args.get(at + 1));
            String volume = null;
            for (JsonNode m : c.path("volumeMounts")) {
                if (Path.of(m.path("mountPath").asText()).equals(file.getParent())) {
                    volume = m.path("name").asText();
                }
            }
            assertNotNull(volume, where + ": nothing is mounted at " + file.getParent());
            String cm = null;
            for (JsonNode v : d.at("/spec/template/spec/volumes")) {
                if (v.path("name").asText().equals(volume)) {
                    cm = v.at("/configMap/name").asText();
                }
            }
            assertEquals(configMapName, cm, where + ": volume " + volume + " is the generated ConfigMap");
            Path source = generatedFiles.get(file.getFileName().toString());
            assertNotNull(source, where + ": the ConfigMap has no key " + file.getFileName());
            return source;
        }
    }

    static final class Compose {
        final JsonNode doc;
        final String broker;
        final String topics;
        final List<String> workers = new ArrayList<>();

        private Compose(JsonNode doc) {
            this.doc = doc;
            String b = null;
            String t = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("services").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> s = it.next();
                String image = s.getValue().path("image").asText();
                boolean worker = s.getValue().at("/build/dockerfile").asText().equals(WORKER_DOCKERFILE)
                        || image.startsWith("umbra-worker");
                if (worker) {
                    workers.add(s.getKey());
                } else if (image.startsWith("apache/kafka:") && command(s.getValue()).contains("kafka-topics.sh")) {
                    assertTrue(t == null, "two topic services");
                    t = s.getKey();
                } else if (image.startsWith("apache/kafka:")) {
                    assertTrue(b == null, "two brokers");
                    b = s.getKey();
                }
            }
            assertNotNull(b, "no broker service (image apache/kafka)");
            assertNotNull(t, "no service creating the topics with kafka-topics.sh");
            broker = b;
            topics = t;
        }

        static Compose load() throws IOException {
            return new Compose(yaml(root.resolve("deploy/compose/docker-compose.yml")));
        }

        /** Topic -> partitions, from the topic service's kafka-topics.sh --create lines. */
        Map<String, Integer> partitions() {
            Map<String, Integer> out = new TreeMap<>();
            for (String line : command(doc.at("/services/" + topics)).split("\n")) {
                if (!line.contains("kafka-topics.sh") || !line.contains("--create")) {
                    continue;
                }
                Matcher topic = Pattern.compile("--topic[ =](\\S+)").matcher(line);
                Matcher parts = Pattern.compile("--partitions[ =](\\d+)").matcher(line);
                assertTrue(topic.find() && parts.find(), "a --create without --topic and --partitions: " + line);
                assertTrue(line.contains("--bootstrap-server " + broker + ":"), "topics made on the broker service: " + line);
                assertTrue(out.put(topic.group(1), Integer.parseInt(parts.group(1))) == null, "created twice: " + topic.group(1));
            }
            return out;
        }

        private static String command(JsonNode service) {
            return String.join("\n", strings(service.path("entrypoint"))) + "\n" + String.join("\n", strings(service.path("command")));
        }
    }

    /** One Dockerfile instruction, continuation lines joined and comments dropped. */
    record Instruction(String keyword, String args) {}

    record Stage(String image, String name, List<Instruction> instructions) {
        List<String> runs() {
            return instructions.stream().filter(i -> i.keyword.equals("RUN")).map(Instruction::args).toList();
        }

        /** COPY instructions as tokens: flags, sources, then the destination. */
        List<List<String>> copies() {
            return instructions.stream().filter(i -> i.keyword.equals("COPY")).map(i -> List.of(i.args.trim().split("\\s+"))).toList();
        }

        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction i : instructions) {
                if (i.keyword.equals("ENV")) {
                    Matcher m = Pattern.compile("(\\w+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)").matcher(i.args);
                    while (m.find()) {
                        env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                    }
                }
            }
            return env;
        }

        String workdir() {
            String dir = null;
            for (Instruction i : instructions) {
                if (i.keyword.equals("WORKDIR")) {
                    dir = i.args.trim();
                }
            }
            return dir;
        }

        List<String> execForm(String keyword) {
            Instruction last = null;
            for (Instruction i : instructions) {
                if (i.keyword.equals(keyword)) {
                    last = i;
                }
            }
            assertNotNull(last, "no " + keyword + " in the final stage");
            try {
                return strings(JSON.readTree(last.args));
            } catch (IOException e) {
                throw new AssertionError(keyword + " must be in exec form (a JSON array): " + last.args, e);
            }
        }

        int indexOf(java.util.function.Predicate<Instruction> p) {
            for (int i = 0; i < instructions.size(); i++) {
                if (p.test(instructions.get(i))) {
                    return i;
                }
            }
            return -1;
        }
    }

    record Dockerfile(List<Stage> stages) {
        static Dockerfile parse(Path file) throws IOException {
            List<Instruction> all = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (t.startsWith("#") || (t.isEmpty() && cur.length() == 0)) {
                    continue;
                }
                if (t.endsWith("\\")) {
                    cur.append(t, 0, t.length() - 1).append(' ');
                    continue;
                }
                cur.append(t);
                String text = cur.toString().strip();
                cur.setLength(0);
                if (text.isEmpty()) {
                    continue;
                }
                int sp = text.indexOf(' ');
                all.add(new Instruction(text.substring(0, sp).toUpperCase(), text.substring(sp + 1).strip()));
            }
            Map<String, String> globalArgs = new LinkedHashMap<>();
            List<Stage> stages = new ArrayList<>();
            List<Instruction> body = null;
            for (Instruction i : all) {
                if (i.keyword.equals("FROM")) {
                    String[] parts = i.args.split("\\s+");
                    String image = parts[0];
                    for (Map.Entry<String, String> a : globalArgs.entrySet()) {
                        image = image.replace("${" + a.getKey() + "}", a.getValue()).replace("$" + a.getKey(), a.getValue());
                    }
                    body = new ArrayList<>();
                    stages.add(new Stage(image, parts.length >= 3 && parts[1].equalsIgnoreCase("AS") ? parts[2] : null, body));
                } else if (body == null) {
                    if (i.keyword.equals("ARG") && i.args.contains("=")) {
                        globalArgs.put(i.args.substring(0, i.args.indexOf('=')), i.args.substring(i.args.indexOf('=') + 1));
                    }
                } else {
                    body.add(i);
                }
            }
            assertTrue(stages.size() >= 2, file + ": a build stage and a runtime stage");
            return new Dockerfile(stages);
        }

        Stage finalStage() {
            return stages.get(stages.size() - 1);
        }

        Stage stage(String name) {
            return stages.stream().filter(s -> name.equals(s.name)).findFirst().orElse(null);
        }

        /** The final stage's USER as a uid: numeric, or -1. */
        long user() {
            String user = null;
            for (Instruction i : finalStage().instructions) {
                if (i.keyword.equals("USER")) {
                    user = i.args.trim();
                }
            }
            assertNotNull(user, "no USER in the final stage");
            String uid = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
            return uid.matches("\\d+") ? Long.parseLong(uid) : -1;
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    static List<JsonNode> yamlDocs(Path f) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    static JsonNode yaml(Path f) throws IOException {
        List<JsonNode> docs = yamlDocs(f);
        assertEquals(1, docs.size(), f + ": one document");
        return docs.get(0);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        } else if (array.isTextual()) {
            out.add(array.asText());
        }
        return out;
    }

    static JsonNode worker(JsonNode deployment) {
        JsonNode containers = deployment.at("/spec/template/spec/containers");
        for (JsonNode c : containers) {
            if (c.path("name").asText().equals("worker")) {
                return c;
            }
        }
        throw new AssertionError(deployment.at("/metadata/name").asText() + " has no container named worker");
    }

    static JsonNode namedPort(JsonNode container, String name) {
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p;
            }
        }
        return null;
    }

    static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        return null;
    }

    static void assertProbe(JsonNode probe, String path, String what) {
        assertFalse(probe.isMissingNode(), what + " probe is missing");
        assertEquals(path, probe.at("/httpGet/path").asText(), what + " path");
        assertEquals(HTTP_PORT_NAME, probe.at("/httpGet/port").asText(), what + " port: the named port");
    }

    /** Whether every label of the selector is on the object with the same value. */
    static boolean selects(JsonNode selector, JsonNode labels) {
        if (!selector.isObject() || selector.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isObject()) {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().asText()));
        } else {
            for (JsonNode kv : e) {
                String s = kv.asText();
                env.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
            }
        }
        return env;
    }

    /** Seconds of a duration written as 45s, 1m30s, 500ms or a bare number of seconds. */
    static long seconds(String text) {
        String t = text.trim();
        if (t.matches("\\d+")) {
            return Long.parseLong(t);
        }
        Matcher m = Pattern.compile("(\\d+)(ms|h|m|s)").matcher(t);
        double total = 0;
        int end = 0;
        while (m.find()) {
            assertEquals(end, m.start(), "a duration: " + text);
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "h" -> n * 3600.0;
                case "m" -> n * 60.0;
                case "s" -> n;
                default -> n / 1000.0;
            };
            end = m.end();
        }
        assertTrue(end == t.length() && end > 0, "a duration: " + text);
        return (long) Math.floor(total);
    }

    static String parent(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }

    static void collectPanels(JsonNode panels, List<JsonNode> out) {
        for (JsonNode p : panels) {
            out.add(p);
            collectPanels(p.path("panels"), out);
        }
    }

    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan");

    /** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
    static Set<String> metricNames(String expr) {
        String e = STRINGS.matcher(expr).replaceAll("\"\"");
        e = e.replaceAll("\\{[^}]*}", " ");
        e = e.replaceAll("\\[[^]]*]", " ");
        e = GROUPING.matcher(e).replaceAll(" ");
        e = e.replaceAll("\\$\\{?\\w+}?", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w.\"])([a-zA-Z_:][\\w:]*)(\\s*\\()?").matcher(e);
        while (m.find()) {
            if (m.group(2) == null && !KEYWORDS.contains(m.group(1).toLowerCase())) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** Label names in by/without/on/ignoring clauses and in label matchers. */
    static Set<String> labelNames(String expr) {
        String e = STRINGS.matcher(expr).replaceAll("\"\"");
        Set<String> labels = new TreeSet<>();
        Matcher g = GROUPING.matcher(e);
        while (g.find()) {
            for (String l : g.group(2).split(",")) {
                if (!l.isBlank()) {
                    labels.add(l.strip());
                }
            }
        }
        Matcher braces = Pattern.compile("\\{([^}]*)}").matcher(e);
        while (braces.find()) {
            Matcher key = Pattern.compile("([a-zA-Z_]\\w*)\\s*(=~|!~|!=|=)").matcher(braces.group(1));
            while (key.find()) {
                labels.add(key.group(1));
            }
        }
        return labels;
    }

    static boolean allowedSeries(String name) {
        return WORKER_METRICS.contains(name) || (!baseName(name).equals(name)
                && (WORKER_HISTOGRAMS.contains(baseName(name)) && name.matches(".*_(bucket|count|sum)$")
                        || WORKER_TIMERS.contains(baseName(name)) && name.matches(".*_(count|sum|max)$")));
    }

    static String baseName(String series) {
        return series.replaceAll("_(bucket|count|sum|max)$", "");
    }

    /** Whether a .dockerignore excludes a context path: the last rule matching it or a folder above it decides. */
    static boolean ignored(List<String> rules, String path) {
        boolean excluded = false;
        for (String rule : rules) {
            boolean negate = rule.startsWith("!");
            String pattern = (negate ? rule.substring(1) : rule).replaceAll("^/", "").replaceAll("/$", "");
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            for (Path p = Path.of(path); p != null; p = p.getParent()) {
                if (matcher.matches(p)) {
                    excluded = !negate;
                    break;
                }
            }
        }
        return excluded;
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    static List<JsonNode> kustomize(String dir) throws Exception {
        Process p = new ProcessBuilder("kubectl", "kustomize", root.resolve(dir).toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + dir + " did not end");
        assertEquals(0, p.exitValue(), "kubectl kustomize " + dir);
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(out)) {
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }
}
