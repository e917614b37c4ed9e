"""SCALE-Sim topology export: reading the written CSV back gives the same MACs and GEMM shapes."""

import pytest

import accelsim
from accelsim.errors import AccelsimInputError
from accelsim.io.scalesim import read_topology, write_topology
from accelsim.workload import Layer, Network


@pytest.mark.parametrize("name", ["resnet18", "mobilenetv2", "alexnet", "vgg16", "lenet5"])
def test_round_trip_macs(tmp_path, name):
    net = accelsim.load_network(name)
    write_topology(net, tmp_path / "t.csv")
    layers = read_topology(tmp_path / "t.csv")
    assert sum(x.num_macs for x in layers) == net.total_macs
    plain = [x for x in net.mac_layers() if x.groups == 1]
    by_name = {x.name: x for x in layers}
    for layer in plain:
        g = layer.gemm()
        assert tuple(by_name[layer.name].gemm()) == (g.M, g.N, g.K)


def test_unsupported_shapes_are_user_errors(tmp_path):
    dil = Layer(name="d", op="conv2d", in_channels=2, out_channels=2, in_h=9, in_w=9, kernel=3, dilation=2)
    with pytest.raises(AccelsimInputError, match="dilation"):
        write_topology(Network(name="n", layers=[dil]), tmp_path / "t.csv")
    with pytest.raises(AccelsimInputError, match="batch"):
        write_topology(accelsim.load_network("lenet5").with_batch(2), tmp_path / "t.csv")
    assert not (tmp_path / "t.csv").exists()


def test_cli_export(tmp_path):
    from accelsim.cli.app import main

    with pytest.raises(SystemExit) as exc:
        main(["net", "export", "resnet18", "--scalesim-topology", str(tmp_path / "r.csv")])
    assert exc.value.code in (0, None)
    assert (tmp_path / "r.csv").read_text().startswith("Layer name, IFMAP Height")
