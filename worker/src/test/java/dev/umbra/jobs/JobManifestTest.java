package dev.umbra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.io.UsageException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** job.json: request ids and seeds derived from the line, the manifest read back, another job refused. */
class JobManifestTest {

    @TempDir
    Path tmp;

    private final JobManifest job = new JobManifest("nightly-7", "ab".repeat(32), 120, 2, 1000, Instant.parse(
            "2026-01-02T03:04:05Z"));

    @Test
    void requestIdsAndSeedsFollowTheLine() {
        assertEquals("nightly-7-000001", job.requestId(0));
        assertEquals("nightly-7-000120", job.requestId(119));
        assertEquals(41, job.lineIndex("nightly-7-000042"));
        assertEquals(-1, job.lineIndex("nightly-7-000121"), "past the last line");
        assertEquals(-1, job.lineIndex("nightly-7-42"), "not an id this job makes");
        assertEquals(-1, job.lineIndex("nightly-8-000001"));
        assertEquals(1000 + 41 * 2, job.seedOf(41));
    }

    @Test
    void aRerunMustBeTheSameJob() throws Exception {
        assertNull(JobManifest.read(tmp));
        job.write(tmp);
        JobManifest read = JobManifest.read(tmp);
        assertEquals(job, read);
        read.checkSameJob(tmp, null, job.promptsSha256(), 120, null, null);
        read.checkSameJob(tmp, "nightly-7", job.promptsSha256(), 120, 2, 1000L);
        UsageException other = assertThrows(UsageException.class,
                () -> read.checkSameJob(tmp, null, "cd".repeat(32), 120, null, null));
        assertTrue(other.getMessage().contains("holds batch job nightly-7")
                && other.getMessage().contains("another prompts file"), other.getMessage());
        UsageException settings = assertThrows(UsageException.class,
                () -> read.checkSameJob(tmp, "nightly-8", job.promptsSha256(), 120, 3, 5L));
        assertTrue(settings.getMessage().contains("job id nightly-8") && settings.getMessage().contains("--images 3")
                && settings.getMessage().contains("--seed 5"), settings.getMessage());
    }

    @Test
    void jobIdsArePlain() {
        JobManifest.checkJobId("a.b_c-1");
        assertThrows(UsageException.class, () -> JobManifest.checkJobId("../up"));
        assertThrows(UsageException.class, () -> JobManifest.checkJobId(".hidden"));
        assertThrows(UsageException.class, () -> JobManifest.checkJobId(""));
    }
}
