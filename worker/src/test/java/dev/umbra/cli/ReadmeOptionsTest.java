package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README documents every option of {@code run} and names every command: the docs cannot drift from the code. */
class ReadmeOptionsTest {

    private static String readme() throws Exception {
        Path path = Path.of("").toAbsolutePath();
        while (path != null && !Files.isRegularFile(path.resolve("README.md"))) {
            path = path.getParent();
        }
        assertTrue(path != null, "README.md not found above " + Path.of("").toAbsolutePath());
        return Files.readString(path.resolve("README.md"));
    }

    @Test
    void everyRunOptionIsInTheConfigurationTable() throws Exception {
        String readme = readme();
        CommandLine run = new CommandLine(new UmbraCommand()).getSubcommands().get("run");
        List<String> missing = new ArrayList<>();
        for (CommandLine.Model.OptionSpec option : run.getCommandSpec().options()) {
            String name = option.longestName();
            if (option.usageHelp() || option.versionHelp() || name.equals("--verbose")) {
                continue;
            }
            if (!readme.contains("`" + name + "`") && !readme.contains("`" + name + " ")) {
                missing.add(name);
            }
        }
        assertTrue(missing.isEmpty(), "README.md does not document run options " + missing);
    }

    @Test
    void everyCommandIsInTheCommandsTable() throws Exception {
        String readme = readme();
        for (String command : new CommandLine(new UmbraCommand()).getSubcommands().keySet()) {
            if (!command.equals("help")) {
                assertTrue(readme.contains("| `" + command), "README.md has no row for the " + command + " command");
            }
        }
    }
}
