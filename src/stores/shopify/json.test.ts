import { describe, expect, it } from 'vitest'
import { parseShopifyJson } from './json.js'

describe('reading Shopify payloads', () => {
  it('keeps ids beyond 2^53 exact in payloads that carry them only as numbers', () => {
    const body = '{"shop_id":954889,"customer":{"id":115310627314723954,"phone":"+38344123456"},"orders_to_redact":[820982911946154508,299938]}'
    expect(parseShopifyJson(body)).toEqual({
      shop_id: 954889,
      customer: { id: '115310627314723954', phone: '+38344123456' },
      orders_to_redact: ['820982911946154508', 299938],
    })
  })

  it('parses resource payloads with their gid strings the fast way', () => {
    const order = parseShopifyJson('{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"}') as {
      admin_graphql_api_id: string
    }
    expect(order.admin_graphql_api_id).toBe('gid://shopify/Order/820982911946154508')
  })

  it('refuses malformed JSON', () => {
    expect(() => parseShopifyJson('{"id": ')).toThrow(SyntaxError)
  })
})
