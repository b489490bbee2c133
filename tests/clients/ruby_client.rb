# redis-rb (Debian ruby-redis) through its Sentinel support: find the master, write, report its port.
# Usage: ruby ruby_client.rb SENTINEL_PORT[,PORT...] KEY VALUE
require "redis"

ports, key, value = ARGV
sentinels = ports.split(",").map { |port| { host: "127.0.0.1", port: Integer(port) } }
deadline = Time.now + 30
last_error = nil
while Time.now < deadline
  begin
    redis = Redis.new(url: "redis://mymaster", sentinels: sentinels, role: :master, connect_timeout: 0.5, timeout: 0.5)
    redis.set(key, value)
    port = redis.info("server")["tcp_port"]
    redis.close
    puts port
    exit 0
  rescue StandardError => error
    last_error = error
    sleep 0.05
  end
end
warn "redis-rb: no write within 30 s: #{last_error}"
exit 1
