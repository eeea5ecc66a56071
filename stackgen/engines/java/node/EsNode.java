// One real Elasticsearch 7.10.2 node for stackgen's embedded engine.
//
// Usage: java -cp 'lib/*' EsNode.java <http-port> <base-path> <cluster-name> [attached|detached] [key=value ...]
//   transport=<port>   transport port (default: the first free one of 9300-9400)
//   name=<node-name>   node name (default: "Node 1")
//   seeds=<h:p,...>    unicast seed hosts: the node joins a multi-node cluster instead of forming
//                      a single-node one; with it, masters=<name,...> (cluster.initial_master_nodes)
//   host=<address>     where to bind (default 127.0.0.1; 0.0.0.0 inside a container)
//
// Binds HTTP to 127.0.0.1:<http-port> (or host=), keeps every file under <base-path>, and gives the node the
// ingest role (the codelibs runner otherwise forces master+data only, and ingest pipelines fail
// with "There are no ingest nodes in this cluster"). Prints "STACKGEN_READY <port>" once a single
// node is yellow, or once a cluster node has started (the caller waits for the cluster's health).
//
// Lifetime: SIGTERM closes the node cleanly. When attached (the default), so does the end of
// standard input, watched from the very start (a parent gone during startup ends the node as soon
// as it is up), so the node never outlives the stackgen process that started it. The base path is
// removed when the JVM exits after it was ready or after its parent went away, unless a file named
// "stackgen-keep" is in it (a restart on the same data); a node that fails during startup while its
// parent is alive leaves it, with its log, to the parent.
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

public class EsNode {
    static final String KEEP_MARKER = "stackgen-keep";
    static volatile boolean ready = false;
    static volatile boolean parentGone = false;

    public static void main(String[] args) throws Exception {
        final String port = args[0];
        final Path basePath = Paths.get(args[1]).toAbsolutePath();
        final String clusterName = args[2];
        final boolean attached = args.length < 4 || !"detached".equals(args[3]);
        final Map<String, String> options = new HashMap<>();
        for (int i = 4; i < args.length; i++) {
            final int eq = args[i].indexOf('=');
            if (eq > 0) {
                options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
        }
        final String seeds = options.get("seeds");
        final boolean cluster = seeds != null && !seeds.isEmpty();
        final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Throwable e) {
                // the JVM is exiting: nothing left to report to
            }
            if ((ready || parentGone) && !Files.exists(basePath.resolve(KEEP_MARKER))) {
                deleteTree(basePath);
            }
        }));
        if (attached) {
            // Closed stdin means the parent is gone: never outlive it. During startup the main thread
            // exits once the node is up (or has failed), so that nothing is still writing under the
            // base path while the shutdown hook removes it.
            final Thread watcher = new Thread(() -> {
                try {
                    while (System.in.read() != -1) {
                        // ignore input
                    }
                } catch (IOException e) {
                    // treated as the end of input
                }
                parentGone = true;
                if (ready) {
                    System.exit(0);
                }
            }, "stackgen-parent-watch");
            watcher.setDaemon(true);
            watcher.start();
        }

        try {
            runner.onBuild((index, settings) -> {
                settings.putList("node.roles", "master", "data", "ingest");
                settings.put("http.port", port);
                settings.put("network.host", options.getOrDefault("host", "127.0.0.1"));
                if (options.containsKey("transport")) {
                    settings.put("transport.port", options.get("transport"));
                }
                if (options.containsKey("name")) {
                    settings.put("node.name", options.get("name"));
                }
                if (cluster) {
                    settings.putList("discovery.seed_hosts", seeds.split(","));
                    settings.putList("cluster.initial_master_nodes", options.getOrDefault("masters", "").split(","));
                } else {
                    settings.put("discovery.type", "single-node");
                }
                settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
                settings.put("action.auto_create_index", "true");
            }).build(ElasticsearchClusterRunner.newConfigs()
                    .basePath(basePath.toString())
                    .numOfNode(1)
                    .clusterName(clusterName)
                    // the default distribution's core: license (self-generated basic), _xpack
                    .pluginTypes("org.elasticsearch.xpack.core.XPackPlugin")
                    .disableESLogger());
            if (!cluster) {
                runner.ensureYellow();
            }
        } catch (Throwable e) {
            e.printStackTrace(System.out);
            System.out.flush();
            // Elasticsearch's own threads would keep a half-started JVM alive: exit now.
            System.exit(1);
        }
        ready = true;
        if (parentGone) {
            System.exit(0);
        }
        System.out.println("STACKGEN_READY " + port);
        System.out.flush();
        Thread.currentThread().join();
    }

    static void deleteTree(Path root) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<Path>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        Files.deleteIfExists(dir);
                        return FileVisitResult.CONTINUE;
                    }
                });
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ignored) {
                    return;
                }
            }
        }
    }
}
