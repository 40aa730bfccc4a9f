import { signatureKeyId } from '@ceasefire/protocol'
import type { MemberKey } from '@ceasefire/protocol'
import type { NodeService } from '../service.ts'

/** A stored record signed with a given key, and whether that signature falls outside the key's validity. */
export interface KeyRecordEntry {
  id: string
  type: string
  jurisdiction: string
  modified: string
  origin: 'local' | 'received'
  /** `revoked`: signed at or after `revokedAt`; `outside-validity`: outside `validFrom`/`validUntil`. */
  status: 'valid' | 'revoked' | 'outside-validity'
}

export interface KeyRecords {
  kid: string
  /** The member that lists the key in the current membership, if any. */
  jurisdiction?: string
  key?: Omit<MemberKey, 'jwk'>
  records: KeyRecordEntry[]
}

const PAGE = 500

/**
 * Lists the stored records whose signature names `kid`, so an operator can see what a revoked
 * or rotated key signed. It reads every stored record.
 * TODO: add a store index by key id if stores grow beyond what a full scan serves quickly.
 */
export async function listRecordsByKey (service: NodeService, kid: string): Promise<KeyRecords> {
  const owner = service.membership.members.find(m => m.signingKeys.some(k => k.kid === kid))
  const key = owner?.signingKeys.find(k => k.kid === kid)
  const records: KeyRecordEntry[] = []

  let after: string | undefined
  for (;;) {
    const page = await service.store.listRecords({ limit: PAGE, ...(after === undefined ? {} : { after }) })
    for (const stored of page) {
      if (signatureKeyId(stored.signed.signature) !== kid) continue
      const record = stored.signed.record
      records.push({
        id: record.id,
        type: record.type,
        jurisdiction: record.provenance.jurisdiction,
        modified: record.provenance.modified,
        origin: stored.origin,
        status: statusAt(key, record.provenance.modified)
      })
    }
    if (page.length < PAGE) break
    after = page[page.length - 1]?.signed.record.id
  }

  const { jwk: _jwk, ...period } = key ?? { jwk: undefined }
  return { kid, ...(owner === undefined ? {} : { jurisdiction: owner.jurisdiction, key: period as Omit<MemberKey, 'jwk'> }), records }
}

function statusAt (key: MemberKey | undefined, modified: string): KeyRecordEntry['status'] {
  if (key === undefined) return 'outside-validity'
  const time = Date.parse(modified)
  if (key.revokedAt !== undefined && time >= Date.parse(key.revokedAt)) return 'revoked'
  if (key.validFrom !== undefined && time < Date.parse(key.validFrom)) return 'outside-validity'
  if (key.validUntil !== undefined && time >= Date.parse(key.validUntil)) return 'outside-validity'
  return 'valid'
}
