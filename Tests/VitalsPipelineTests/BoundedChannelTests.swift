import Testing
import VitalsTestSupport
@testable import VitalsPipeline
import Synchronization

struct BoundedChannelTests {
    @Test func deliversInOrderAndFinishesAfterDraining() async {
        let ch = BoundedChannel<Int>(capacity: 3)
        for i in 0..<3 { await ch.send(i) }
        ch.finish()
        var got: [Int] = []
        while let v = await ch.next() { got.append(v) }
        #expect(got == [0, 1, 2])
    }

    @Test func aFullChannelHoldsTheProducerBack() async {
        let ch = BoundedChannel<Int>(capacity: 2)
        let sent = CountBox()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<5 {
                    await ch.send(i)
                    sent.add()
                }
                ch.finish()
            }
            // Give the producer time to fill the channel; it must stop at the capacity.
            for _ in 0..<50 { await Task.yield() }
            #expect(sent.value == 2)
            #expect(ch.depth <= 3)
            var got: [Int] = []
            while let v = await ch.next() { got.append(v) }
            #expect(got == [0, 1, 2, 3, 4])
        }
    }

    @Test func manyProducersLoseNothing() async {
        let ch = BoundedChannel<Int>(capacity: 4)
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<8 {
                group.addTask { for i in 0..<100 { await ch.send(p * 1000 + i) } }
            }
            group.addTask {
                var got: [Int] = []
                while got.count < 800, let v = await ch.next() { got.append(v) }
                #expect(Set(got).count == 800)
                for p in 0..<8 {
                    let mine = got.filter { $0 / 1000 == p }
                    #expect(mine == mine.sorted(), "each producer's order is kept")
                }
            }
        }
    }

    @Test func drainAvailableTakesWithoutWaiting() async {
        let ch = BoundedChannel<Int>(capacity: 8)
        #expect(ch.drainAvailable(max: 4).isEmpty)
        for i in 0..<6 { await ch.send(i) }
        #expect(ch.drainAvailable(max: 4) == [0, 1, 2, 3])
        #expect(await ch.next() == 4)
    }
}

final class CountBox: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
