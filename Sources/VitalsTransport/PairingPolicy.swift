import Foundation
import VitalsWire

/// What the agent does with an event: a pure function, so it is tested without a kernel.
public enum PairingPolicy {
    public enum Answer: Equatable, Sendable {
        case reply(MgmtCommand)
        case store(MgmtLongTermKey)
        case failed(MgmtAddress, status: UInt8)
        case commandFailed(UInt16, status: UInt8)
        case none
    }

    public static func answer(to event: MgmtEvent) -> Answer {
        switch event {
        case .userConfirmationRequest(let device, let hint, _):
            // Hint 1 is a plain yes/no (Just Works). Hint 0 asks a person to compare two six-digit numbers:
            // accepting that unseen would defeat the protection it gives, so it is refused.
            return .reply(hint == 1 ? .userConfirmationReply(device) : .userConfirmationNegativeReply(device))
        case .userPasskeyRequest(let device):
            return .reply(.userPasskeyNegativeReply(device))
        case .newLongTermKey(let hint, let key):
            return hint == 1 ? .store(key) : .none
        case .authenticationFailed(let device, let status):
            return .failed(device, status: status)
        case .commandComplete(let command, let status, _) where status != 0:
            return .commandFailed(command, status: status)
        case .commandStatus(let command, let status) where status != 0:
            return .commandFailed(command, status: status)
        default:
            return .none
        }
    }
}
