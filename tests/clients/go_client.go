// go-redis v5 (Debian golang-gopkg-redis.v5-dev) through its failover client: find the master,
// write, report its port. Usage: go run go_client.go SENTINEL_PORT[,PORT...] KEY VALUE
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/redis.v5"
)

func main() {
	var addresses []string
	for _, port := range strings.Split(os.Args[1], ",") {
		addresses = append(addresses, "127.0.0.1:"+port)
	}
	key, value := os.Args[2], os.Args[3]
	deadline := time.Now().Add(30 * time.Second)
	var lastError error
	for time.Now().Before(deadline) {
		client := redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: "mymaster", SentinelAddrs: addresses,
			DialTimeout: 500 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, MaxRetries: 0,
		})
		lastError = client.Set(key, value, 0).Err()
		if lastError == nil {
			info, err := client.Info("server").Result()
			lastError = err
			if err == nil {
				for _, line := range strings.Split(info, "\r\n") {
					if strings.HasPrefix(line, "tcp_port:") {
						fmt.Println(strings.TrimPrefix(line, "tcp_port:"))
						client.Close()
						os.Exit(0)
					}
				}
			}
		}
		client.Close()
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "go-redis: no write within 30 s: %v\n", lastError)
	os.Exit(1)
}
