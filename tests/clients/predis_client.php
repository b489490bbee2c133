<?php
// predis (Debian php-predis) with replication => sentinel: find the master, write, report its port.
// Usage: php predis_client.php SENTINEL_PORT[,PORT...] KEY VALUE
require '/usr/share/php/Predis/Autoloader.php';
Predis\Autoloader::register();
[$script, $ports, $key, $value] = $argv;
$sentinels = array_map(fn ($port) => "tcp://127.0.0.1:$port?timeout=0.5", explode(',', $ports));
$deadline = microtime(true) + 30;
$lastError = '';
while (microtime(true) < $deadline) {
    try {
        $client = new Predis\Client($sentinels, ['replication' => 'sentinel', 'service' => 'mymaster']);
        $client->set($key, $value);
        $info = $client->info('server');
        echo $info['Server']['tcp_port'], "\n";
        exit(0);
    } catch (Exception $error) {
        $lastError = get_class($error) . ': ' . $error->getMessage();
    }
    usleep(50000);
}
fwrite(STDERR, "predis: no write within 30 s: $lastError\n");
exit(1);
