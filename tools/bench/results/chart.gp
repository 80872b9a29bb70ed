set terminal pngcairo size 1400,700 noenhanced font 'sans,10'
set output '/work/main/tools/bench/results/bench.png'
set title 'warren vs peers: median latency (ms, log scale; lower is better)'
set logscale y
set grid ytics
set style fill solid 0.8
set boxwidth 0.7
set xtics rotate by -45 font 'sans,8'
set ylabel 'ms'
unset key
plot '/work/main/tools/bench/results/chart.dat' using 0:2:xtic(1) with boxes lc rgb '#3b7dd8', '' using 0:2:(sprintf('%.2f',$2)) with labels offset 0,0.7 font 'sans,8'
