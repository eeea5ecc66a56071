// One real Elasticsearch 7.10.2 node for stackgen's embedded engine.
//
// Usage: java -cp 'lib/*' EsNode.java <port> <base-path> <cluster-name> [attached|detached]
// Binds HTTP to 127.0.0.1:<port>, keeps every file under <base-path>, and gives the node the
// ingest role (the codelibs runner otherwise forces master+data only, and ingest pipelines fail
// with "There are no ingest nodes in this cluster"). Prints "STACKGEN_READY <port>" once the
// cluster is yellow. SIGTERM closes the node cleanly; when attached (the default), so does the
// end of standard input, so the node never outlives the stackgen process that started it.
import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

public class EsNode {
    public static void main(String[] args) throws Exception {
        final String port = args[0];
        final String basePath = args[1];
        final String clusterName = args[2];
        final boolean attached = args.length < 4 || !"detached".equals(args[3]);
        final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
        runner.onBuild((index, settings) -> {
            settings.putList("node.roles", "master", "data", "ingest");
            settings.put("http.port", port);
            settings.put("network.host", "127.0.0.1");
            settings.put("discovery.type", "single-node");
            settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
            settings.put("action.auto_create_index", "true");
        }).build(ElasticsearchClusterRunner.newConfigs()
                .basePath(basePath)
                .numOfNode(1)
                .clusterName(clusterName)
                .disableESLogger());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                // the JVM is exiting: nothing left to report to
            }
        }));
        runner.ensureYellow();
        System.out.println("STACKGEN_READY " + port);
        System.out.flush();
        if (!attached) {
            Thread.currentThread().join();
        }
        // Closed stdin means the parent is gone: never outlive it.
        while (System.in.read() != -1) {
            // ignore input
        }
        System.exit(0);
    }
}
