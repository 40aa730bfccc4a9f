import onnxProto from 'onnx-proto'

const { onnx } = onnxProto
const FLOAT = onnx.TensorProto.DataType.FLOAT

export interface LinearModel {
  /** Graph name, also written as the model's doc string prefix. */
  name: string
  /** Row-major weights, `inputs` rows by `outputs` columns. */
  weights: Float32Array
  bias: Float32Array
  inputs: number
  outputs: number
  /** `sigmoid` for one probability per row, `softmax` for a distribution over the output columns. */
  activation: 'sigmoid' | 'softmax'
  docString: string
}

/**
 * Encodes a linear model (X·W + B, then sigmoid or softmax) as an ONNX ModelProto, IR version 8,
 * opset 13. The input is `X` (float, [N, inputs]) and the output `Y` (float, [N, outputs]). The
 * encoding contains no timestamp or path, so the same weights always give the same bytes.
 */
export function encodeLinearModel (model: LinearModel): Uint8Array {
  if (model.weights.length !== model.inputs * model.outputs || model.bias.length !== model.outputs) {
    throw new RangeError(`weights must hold ${model.inputs}x${model.outputs} values and bias ${model.outputs}`)
  }
  const valueInfo = (name: string, width: number): onnxProto.onnx.ValueInfoProto => onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } }
  })
  const activation = model.activation === 'sigmoid'
    ? onnx.NodeProto.create({ opType: 'Sigmoid', input: ['logits'], output: ['Y'], name: 'probability' })
    : onnx.NodeProto.create({ opType: 'Softmax', input: ['logits'], output: ['Y'], name: 'probability', attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 })] })
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'ceasefire-nfp-train',
    producerVersion: '1',
    docString: model.docString,
    graph: onnx.GraphProto.create({
      name: model.name,
      node: [
        onnx.NodeProto.create({ opType: 'MatMul', input: ['X', 'W'], output: ['XW'], name: 'weights' }),
        onnx.NodeProto.create({ opType: 'Add', input: ['XW', 'B'], output: ['logits'], name: 'bias' }),
        activation
      ],
      initializer: [
        onnx.TensorProto.create({ name: 'W', dims: [model.inputs, model.outputs], dataType: FLOAT, floatData: Array.from(model.weights) }),
        onnx.TensorProto.create({ name: 'B', dims: [model.outputs], dataType: FLOAT, floatData: Array.from(model.bias) })
      ],
      input: [valueInfo('X', model.inputs)],
      output: [valueInfo('Y', model.outputs)]
    })
  })
  return onnx.ModelProto.encode(proto).finish()
}
