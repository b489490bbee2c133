<?php
// phpredis (Debian php-redis) RedisSentinel: ask each sentinel for the master, write, report its port.
// Usage: php phpredis_client.php SENTINEL_PORT[,PORT...] KEY VALUE
[$script, $ports, $key, $value] = $argv;
$deadline = microtime(true) + 30;
$lastError = 'no sentinel answered';
while (microtime(true) < $deadline) {
    foreach (explode(',', $ports) as $port) {
        try {
            $sentinel = new RedisSentinel('127.0.0.1', (int)$port, 0.5);
            $address = $sentinel->getMasterAddrByName('mymaster');
            if (!is_array($address)) { $lastError = "sentinel $port does not know mymaster"; continue; }
            $redis = new Redis();
            $redis->connect($address[0], (int)$address[1], 0.5);
            $redis->setOption(Redis::OPT_READ_TIMEOUT, 0.5);
            if ($redis->set($key, $value) !== true) { $lastError = 'SET refused'; continue; }
            $info = $redis->info('server');
            echo $info['tcp_port'], "\n";
            exit(0);
        } catch (Exception $error) {
            $lastError = $error->getMessage();
        }
    }
    usleep(50000);
}
fwrite(STDERR, "phpredis: no write within 30 s: $lastError\n");
exit(1);
