@testable import VigilTools
import XCTest

final class DeploymentProbeTests: XCTestCase {
    func testMasterInfoTellsOnlineStreamingAndLagApart() {
        // INFO replication of redis-server 7.0 a moment after a diskless full sync of the second replica.
        let info = "# Replication\r\nrole:master\r\nconnected_slaves:3\r\n"
            + "slave0:ip=127.0.0.1,port=6380,state=online,offset=9120,lag=0\r\n"
            + "slave1:ip=127.0.0.1,port=6381,state=online,offset=0,lag=0\r\n"
            + "slave2:ip=127.0.0.1,port=6382,state=wait_bgsave,offset=0,lag=3\r\n"
            + "master_failover_state:no-failover\r\nmaster_repl_offset:9120\r\n"
        let replicas = DeploymentProbe.attachedReplicas(info)
        XCTAssertEqual(replicas.count, 3)
        XCTAssertEqual(replicas["127.0.0.1:6380"]?.online, true)
        XCTAssertEqual(replicas["127.0.0.1:6380"]?.streaming, true)
        XCTAssertEqual(replicas["127.0.0.1:6381"]?.online, true)
        XCTAssertEqual(replicas["127.0.0.1:6381"]?.streaming, false)
        XCTAssertEqual(replicas["127.0.0.1:6382"]?.online, false)
        XCTAssertEqual(replicas["127.0.0.1:6382"]?.streaming, false)
        XCTAssertEqual(replicas["127.0.0.1:6382"]?.lag, 3)
    }
}
